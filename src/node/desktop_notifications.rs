//! Desktop notifications: what the in-app list ([`super::notifications`]) gains is also shown
//! by the desktop, while the window is open and while copse syncs in the background with it
//! closed (when hearing of a question on one's case matters most).
//!
//! Each community remembers, in the local table, the newest notification already announced, so
//! nothing is shown twice, even across restarts; the first time, everything up to now counts as
//! announced (no flood of the past). The rules' own limits hold: never for one's own doing, and
//! not for a kind turned off. When the desktop has no notification service, that is noted
//! once ([`Node::desktop_notifications_unavailable`]), and the in-app list stays the one place.

use std::sync::Arc;
use std::time::Duration;

use super::{Node, NodeError};
use crate::model::practice::notifications::Notification;
use crate::model::{CommunityId, Timestamp};

/// How often the announcer looks for news.
const EVERY: Duration = Duration::from_secs(15);

const UNAVAILABLE_KEY: &str = "notifications/desktop-unavailable";

fn announced_key(community: &CommunityId) -> String {
    format!("notifications/{community}/announced")
}

/// Where announcements go: the desktop, or a test's list.
pub trait Announce: Send + Sync + 'static {
    /// Shows one notification; an error says why it could not be shown.
    fn announce(&self, community: &str, notification: &Notification) -> Result<(), String>;
}

/// The desktop's notification service (D-Bus on Linux), through notify-rust.
pub struct Desktop;

impl Announce for Desktop {
    fn announce(&self, community: &str, notification: &Notification) -> Result<(), String> {
        notify_rust::Notification::new()
            .appname("copse")
            .icon("copse")
            .summary(community)
            .body(&notification.text)
            .show()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl Node {
    /// Announces what each community's list gained since the last time, through `sink`;
    /// returns what was announced.
    pub async fn announce_news(
        &self,
        sink: &Arc<dyn Announce>,
    ) -> Result<Vec<Notification>, NodeError> {
        let mut announced = Vec::new();
        for summary in self.communities().await? {
            let key = announced_key(&summary.id);
            let Some(since) = self
                .inner
                .storage
                .get_local(&key)?
                .and_then(|t| t.parse().ok())
                .map(Timestamp)
            else {
                // The first look: the past is not news.
                self.inner
                    .storage
                    .set_local(&key, &self.now().0.to_string())?;
                continue;
            };
            let Ok(list) = self.notifications(&summary.id).await else {
                // Not on this community's roster (yet): nothing is for us.
                continue;
            };
            let news = new_since(list.items, since);
            let Some(newest) = news.iter().map(|n| n.at).max() else {
                continue;
            };
            for notification in &news {
                let sink = sink.clone();
                let (name, shown) = (summary.name.clone(), notification.clone());
                let result =
                    tokio::task::spawn_blocking(move || sink.announce(&name, &shown)).await;
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(why)) => {
                        self.note_unavailable(&why)?;
                        break;
                    }
                    Err(e) => {
                        self.note_unavailable(&e.to_string())?;
                        break;
                    }
                }
            }
            self.inner.storage.set_local(&key, &newest.0.to_string())?;
            announced.extend(news);
        }
        Ok(announced)
    }

    /// Runs [`Node::announce_news`] every few seconds until the node shuts down. Call within
    /// the runtime.
    pub fn keep_announcing(&self, sink: Arc<dyn Announce>) {
        let node = self.clone();
        self.track(tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            loop {
                tick.tick().await;
                if let Err(e) = node.announce_news(&sink).await {
                    tracing::debug!(error = %e, "announcing notifications");
                }
            }
        }));
    }

    /// Why desktop notifications could not be shown, if they could not (said once, in the
    /// in-app list).
    pub fn desktop_notifications_unavailable(&self) -> Option<String> {
        self.inner.storage.get_local(UNAVAILABLE_KEY).ok().flatten()
    }

    fn note_unavailable(&self, why: &str) -> Result<(), NodeError> {
        tracing::info!(reason = why, "desktop notifications are not available");
        if self.desktop_notifications_unavailable().is_none() {
            self.inner.storage.set_local(UNAVAILABLE_KEY, why)?;
        }
        Ok(())
    }
}

/// The notifications newer than `since`, oldest first (the order they happened in).
fn new_since(items: Vec<Notification>, since: Timestamp) -> Vec<Notification> {
    let mut news: Vec<Notification> = items.into_iter().filter(|n| n.at > since).collect();
    news.sort_by_key(|n| n.at);
    news
}
