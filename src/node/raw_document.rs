//! Test hook: change a document with raw Automerge, as a newer copse (or a hostile member)
//! would, bypassing the model. Only with the `test-support` feature.

use super::{Node, NodeError, lock};

impl Node {
    /// Runs `f` on the document `id` (any note, case or community id) on its actor, and counts
    /// what it changed among the changes [`Node::flush`] waits for.
    pub async fn change_raw<R: Send + 'static>(
        &self,
        id: &str,
        f: impl FnOnce(&mut automerge::Automerge) -> R + Send + 'static,
    ) -> Result<R, NodeError> {
        let doc: samod::DocumentId = id.parse().map_err(|_| NodeError::InvalidId {
            what: "document",
            given: id.to_string(),
        })?;
        let handle = self.handle(&doc).await?;
        let (result, heads) = self
            .on_actor(&handle, move |doc| {
                let result = f(doc);
                (result, doc.get_heads())
            })
            .await?;
        lock(&self.inner.unconfirmed).push((handle.document_id().clone(), heads));
        Ok(result)
    }
}
