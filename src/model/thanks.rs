//! Recognition: a member thanks another for a note, an answer or a suggestion.
//!
//! Thanks are kept on the thing thanked, keyed by the member who thanks, so each member thanks
//! an item at most once and concurrent thanks never conflict. There are no points and no
//! totals per person: the item shows who thanked it, nothing more.

use std::collections::BTreeMap;

use crate::model::{
    Case, Community, MemberId, ModelError, Note, QuestionId, SuggestionId, Timestamp,
};

/// Who thanked an item → when.
pub type Thanks = BTreeMap<MemberId, Timestamp>;

/// Records `by`'s thanks for `what` written by `author`. Thanking twice changes nothing and
/// returns false; thanking yourself is refused.
fn give(
    thanks: &mut Thanks,
    by: &MemberId,
    author: &MemberId,
    what: &'static str,
    now: Timestamp,
) -> Result<bool, ModelError> {
    if by == author {
        return Err(ModelError::ThankingYourself { what });
    }
    if thanks.contains_key(by) {
        return Ok(false);
    }
    thanks.insert(by.clone(), now);
    Ok(true)
}

impl Note {
    /// Thanks the note's author; false if `by` already did.
    pub fn thank(&mut self, by: &MemberId, now: Timestamp) -> Result<bool, ModelError> {
        give(&mut self.thanks, by, &self.author, "note", now)
    }
}

impl Case {
    /// Thanks the presenter for their answer to a question; false if `by` already did.
    pub fn thank_answer(
        &mut self,
        question: &QuestionId,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<bool, ModelError> {
        let presenter = self.presenter.clone();
        let question = self
            .questions
            .get_mut(question)
            .ok_or_else(|| ModelError::NoSuchQuestion(question.to_string()))?;
        if question.answer.is_none() {
            return Err(ModelError::NotAnswered);
        }
        give(&mut question.thanks, by, &presenter, "answer", now)
    }

    /// Thanks the author of a suggestion; false if `by` already did.
    pub fn thank_suggestion(
        &mut self,
        suggestion: &SuggestionId,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<bool, ModelError> {
        let suggestion = self
            .suggestions
            .get_mut(suggestion)
            .ok_or_else(|| ModelError::NoSuchSuggestion(suggestion.to_string()))?;
        let author = suggestion.author.clone();
        give(&mut suggestion.thanks, by, &author, "suggestion", now)
    }
}

/// "Thanked by Ada, Bo", in the order they thanked; `None` when nobody has.
pub fn thanked_by(community: &Community, thanks: &Thanks) -> Option<String> {
    if thanks.is_empty() {
        return None;
    }
    let mut order: Vec<_> = thanks.iter().collect();
    order.sort_by_key(|(member, at)| (**at, (*member).clone()));
    let names: Vec<String> = order
        .into_iter()
        .map(|(member, _)| community.display_name(member))
        .collect();
    Some(format!("Thanked by {}", names.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Member;

    fn m(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    #[test]
    fn a_note_is_thanked_once_per_member_and_never_by_its_author() {
        let mut note = Note::new("Soil", "", &m("ada"), Timestamp(1)).unwrap();
        assert_eq!(
            note.thank(&m("ada"), Timestamp(2)),
            Err(ModelError::ThankingYourself { what: "note" })
        );
        assert!(
            ModelError::ThankingYourself { what: "note" }
                .to_string()
                .contains("cannot thank yourself for your own note")
        );
        assert_eq!(note.thank(&m("bo"), Timestamp(3)), Ok(true));
        assert_eq!(note.thank(&m("bo"), Timestamp(4)), Ok(false));
        assert_eq!(note.thank(&m("cy"), Timestamp(5)), Ok(true));
        assert_eq!(note.thanks.len(), 2);
        assert_eq!(
            note.thanks[&m("bo")],
            Timestamp(3),
            "the first thanks stays"
        );
    }

    #[test]
    fn answers_and_suggestions_are_thanked_by_others_only() {
        let mut case = Case::new("Reviews", "We tried.", &m("pia"), Timestamp(1)).unwrap();
        let q = case
            .ask_question(
                QuestionId::from("q".to_string()),
                &m("bo"),
                "Why?",
                Timestamp(2),
            )
            .unwrap();
        assert_eq!(
            case.thank_answer(&q, &m("bo"), Timestamp(3)),
            Err(ModelError::NotAnswered)
        );
        case.answer_question(&q, &m("pia"), "Because.", Timestamp(3))
            .unwrap();
        assert_eq!(
            case.thank_answer(&q, &m("pia"), Timestamp(4)),
            Err(ModelError::ThankingYourself { what: "answer" })
        );
        assert_eq!(case.thank_answer(&q, &m("bo"), Timestamp(4)), Ok(true));
        assert_eq!(case.thank_answer(&q, &m("bo"), Timestamp(5)), Ok(false));

        case.advance_phase(&m("pia")).unwrap();
        let s = case
            .suggest(
                SuggestionId::from("s".to_string()),
                &m("bo"),
                "Pair",
                Timestamp(6),
            )
            .unwrap();
        assert_eq!(
            case.thank_suggestion(&s, &m("bo"), Timestamp(7)),
            Err(ModelError::ThankingYourself { what: "suggestion" })
        );
        assert_eq!(case.thank_suggestion(&s, &m("pia"), Timestamp(7)), Ok(true));
        assert!(matches!(
            case.thank_suggestion(
                &SuggestionId::from("x".to_string()),
                &m("pia"),
                Timestamp(8)
            ),
            Err(ModelError::NoSuchSuggestion(_))
        ));
    }

    #[test]
    fn thanks_show_names_in_the_order_given() {
        let mut c = Community::new(
            "G",
            "",
            &m("ada"),
            Member::new("Ada", "ada", Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        c.add_member(m("bo"), Member::new("Bo", "bo", Timestamp(1)).unwrap());
        let thanks = Thanks::from([(m("bo"), Timestamp(5)), (m("ada"), Timestamp(9))]);
        assert_eq!(
            thanked_by(&c, &thanks).as_deref(),
            Some("Thanked by Bo, Ada")
        );
        assert_eq!(thanked_by(&c, &Thanks::new()), None);
    }
}
