//! The meeting in progress, kept in its gathering so every member present sees the same thing:
//! its steps (the agenda's topics, then the phases of a peer-assist case run live), a timebox
//! per step and one shared timer that the facilitator starts, pauses and moves on.
//!
//! The timer is stored as state, the instant it last started and the time counted before that,
//! never as a ticking value: each device computes the time left from its own clock, so a
//! running timer writes nothing while it runs and every member sees the same remaining time.

use std::collections::BTreeMap;
use std::fmt;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{
    CaseId, Community, Gathering, GatheringId, MemberId, ModelError, Phase, Timestamp, TopicId,
};

/// Minutes for an agenda topic without a timebox of its own.
pub const TOPIC_MINUTES: u32 = 15;
/// Timeboxes may be set from 1 minute to 4 hours.
pub const TIMEBOX_MINUTES: std::ops::RangeInclusive<u32> = 1..=240;
const MINUTE_MS: i64 = 60_000;

/// The meeting's shared state.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Meeting {
    /// Minutes per step, by [`Step::key`]; a step without one takes its default.
    #[autosurgeon(missing = "Default::default")]
    pub timeboxes: BTreeMap<String, u32>,
    /// A peer-assist case run live at this meeting.
    #[autosurgeon(missing = "Default::default")]
    pub case: Option<CaseId>,
    /// The step the meeting is on, by key (an agenda change does not move it); the first step
    /// while none is chosen.
    #[autosurgeon(missing = "Default::default")]
    pub step: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub timer: Timer,
}

/// The shared timer of the current step.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Timer {
    pub running: bool,
    /// When it last started running.
    #[autosurgeon(missing = "Default::default")]
    pub started_at: Option<Timestamp>,
    /// Milliseconds counted on this step before it last started (all of them while paused).
    #[autosurgeon(missing = "Default::default")]
    pub elapsed_ms: i64,
}

impl Timer {
    /// Milliseconds counted on this step at `now`; a start in the future (a peer's clock ahead
    /// of ours) counts from now.
    pub fn elapsed(&self, now: Timestamp) -> i64 {
        let running = match (self.running, self.started_at) {
            (true, Some(at)) => (now.0 - at.0).max(0),
            _ => 0,
        };
        self.elapsed_ms.max(0).saturating_add(running)
    }
}

/// The phases of a peer-assist case run live, in order: questions come before suggestions for
/// everyone at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStep {
    Situation,
    Questions,
    Suggestions,
    Reflection,
}

impl CaseStep {
    pub const ALL: [CaseStep; 4] = [
        CaseStep::Situation,
        CaseStep::Questions,
        CaseStep::Suggestions,
        CaseStep::Reflection,
    ];

    /// The step's default timebox.
    pub fn minutes(self) -> u32 {
        match self {
            CaseStep::Situation => 5,
            CaseStep::Questions | CaseStep::Suggestions => 10,
            CaseStep::Reflection => 5,
        }
    }

    /// The case's phase this step belongs to: the situation is told, and questions asked, in
    /// Clarify.
    pub fn phase(self) -> Phase {
        match self {
            CaseStep::Situation | CaseStep::Questions => Phase::Clarify,
            CaseStep::Suggestions => Phase::Suggest,
            CaseStep::Reflection => Phase::Reflect,
        }
    }

    /// What everyone does now.
    pub fn guidance(self) -> &'static str {
        match self {
            CaseStep::Situation => "The presenter tells the situation. Everyone listens.",
            CaseStep::Questions => "Clarifying questions only: no advice yet.",
            CaseStep::Suggestions => "Suggestions: what might the presenter try?",
            CaseStep::Reflection => "The presenter reflects on what was useful.",
        }
    }
}

impl fmt::Display for CaseStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaseStep::Situation => "Situation",
            CaseStep::Questions => "Clarifying questions",
            CaseStep::Suggestions => "Suggestions",
            CaseStep::Reflection => "Reflection",
        })
    }
}

/// What a step is.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum StepKind {
    Topic { topic: TopicId },
    Case { case: CaseId, phase: CaseStep },
}

/// One step of the meeting with its timebox.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub key: String,
    pub label: String,
    pub minutes: u32,
    #[serde(flatten)]
    pub kind: StepKind,
}

/// What the facilitator does with the timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerAction {
    Start,
    Pause,
    /// Move on to the next step, its timer from zero (still running if it was).
    Next,
}

/// The meeting as a member sees it at `now`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NowView {
    pub steps: Vec<Step>,
    /// Index into `steps` of the step the meeting is on.
    pub current: Option<usize>,
    pub running: bool,
    /// Milliseconds left in the current step's timebox; negative once over time.
    pub remaining_ms: i64,
}

impl NowView {
    /// The step the meeting is on.
    pub fn step(&self) -> Option<&Step> {
        self.current.and_then(|i| self.steps.get(i))
    }
}

/// `ms` as "12:05", or "-1:30" once over time.
pub fn clock_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let seconds = ms.unsigned_abs().div_ceil(1000);
    format!("{sign}{}:{:02}", seconds / 60, seconds % 60)
}

impl Community {
    /// The meeting's steps: the agenda's topics, then the live case's phases.
    pub fn meeting_steps(&self, gathering: &Gathering) -> Vec<Step> {
        let meeting = &gathering.meeting;
        let minutes =
            |key: &str, default: u32| meeting.timeboxes.get(key).copied().unwrap_or(default);
        let mut steps: Vec<Step> = self
            .agenda_of(gathering)
            .into_iter()
            .map(|topic| {
                let key = format!("topic:{topic}");
                Step {
                    minutes: minutes(&key, TOPIC_MINUTES),
                    label: self
                        .topics
                        .get(topic)
                        .map_or_else(|| "(a topic not yet synced)".into(), |t| t.title.clone()),
                    key,
                    kind: StepKind::Topic {
                        topic: topic.clone(),
                    },
                }
            })
            .collect();
        if let Some(case) = &meeting.case {
            let title = self
                .cases
                .get(case)
                .map_or_else(|| "a case".into(), |e| e.title.clone());
            for phase in CaseStep::ALL {
                let key = format!("case:{phase:?}").to_lowercase();
                steps.push(Step {
                    minutes: minutes(&key, phase.minutes()),
                    label: format!("{phase} — {title}"),
                    key,
                    kind: StepKind::Case {
                        case: case.clone(),
                        phase,
                    },
                });
            }
        }
        steps
    }

    /// The meeting at `now`: its steps, the current one and the time left in it.
    pub fn now_view(&self, gathering: &Gathering, now: Timestamp) -> NowView {
        let steps = self.meeting_steps(gathering);
        let meeting = &gathering.meeting;
        let current = match &meeting.step {
            Some(key) => steps
                .iter()
                .position(|s| &s.key == key)
                .or((!steps.is_empty()).then_some(0)),
            None => (!steps.is_empty()).then_some(0),
        };
        let timebox = current.map_or(0, |i| i64::from(steps[i].minutes) * MINUTE_MS);
        NowView {
            remaining_ms: timebox - meeting.timer.elapsed(now),
            running: meeting.timer.running,
            current,
            steps,
        }
    }

    /// Refuses anyone but the facilitator, when the gathering has one.
    fn require_facilitator(&self, gathering: &Gathering, by: &MemberId) -> Result<(), ModelError> {
        self.require_member(by)?;
        match &gathering.roles.facilitator {
            Some(f) if f != by && self.members.contains_key(f) => {
                Err(ModelError::NotTheFacilitator(self.display_name(f)))
            }
            _ => Ok(()),
        }
    }

    fn gathering_ref(&self, id: &GatheringId) -> Result<&Gathering, ModelError> {
        self.gatherings
            .get(id)
            .ok_or_else(|| ModelError::NoSuchGathering(id.to_string()))
    }

    /// The facilitator starts, pauses or moves the meeting on; returns the step it is on.
    pub fn run_timer(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        action: TimerAction,
        now: Timestamp,
    ) -> Result<Option<Step>, ModelError> {
        let gathering = self.gathering_ref(id)?;
        self.require_facilitator(gathering, by)?;
        let view = self.now_view(gathering, now);
        let timer = &gathering.meeting.timer;
        let mut meeting = gathering.meeting.clone();
        let mut step = view.step().cloned();
        match action {
            TimerAction::Start if !timer.running => {
                meeting.timer.running = true;
                meeting.timer.started_at = Some(now);
            }
            TimerAction::Pause if timer.running => {
                meeting.timer = Timer {
                    running: false,
                    started_at: None,
                    elapsed_ms: timer.elapsed(now),
                };
            }
            TimerAction::Next => {
                let here = view.current.unwrap_or(0);
                let Some(next) = view.steps.get(here + 1) else {
                    return Err(ModelError::LastStep(
                        step.map_or_else(|| "the start".into(), |s| s.label),
                    ));
                };
                meeting.step = Some(next.key.clone());
                meeting.timer = Timer {
                    running: timer.running,
                    started_at: timer.running.then_some(now),
                    elapsed_ms: 0,
                };
                step = Some(next.clone());
            }
            TimerAction::Start | TimerAction::Pause => {}
        }
        let gathering = self.gathering_mut(id)?;
        if gathering.meeting != meeting {
            gathering.meeting = meeting;
        }
        Ok(step)
    }

    /// The facilitator sets a step's timebox.
    pub fn set_timebox(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        step: &str,
        minutes: u32,
    ) -> Result<(), ModelError> {
        if !TIMEBOX_MINUTES.contains(&minutes) {
            return Err(ModelError::InvalidTimebox(minutes));
        }
        let gathering = self.gathering_ref(id)?;
        self.require_facilitator(gathering, by)?;
        let gathering = self.gathering_mut(id)?;
        if gathering.meeting.timeboxes.get(step) != Some(&minutes) {
            gathering
                .meeting
                .timeboxes
                .insert(step.to_string(), minutes);
        }
        Ok(())
    }

    /// The facilitator chooses the peer-assist case run live (or none).
    pub fn set_meeting_case(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        case: Option<CaseId>,
    ) -> Result<(), ModelError> {
        let gathering = self.gathering_ref(id)?;
        self.require_facilitator(gathering, by)?;
        if let Some(case) = &case
            && !self.cases.contains_key(case)
        {
            return Err(ModelError::NoSuchCase(case.to_string()));
        }
        let gathering = self.gathering_mut(id)?;
        if gathering.meeting.case != case {
            gathering.meeting.case = case;
        }
        Ok(())
    }

    /// The gathering in progress at `now`: today's, or else the last one whose timer ran.
    pub fn gathering_now(&self, now: Timestamp) -> Option<(&GatheringId, &Gathering)> {
        let today =
            crate::model::local_time::start_of_day(now, &crate::model::local_time::viewer_zone());
        let running = self
            .gatherings
            .iter()
            .filter(|(id, _)| !self.is_deleted(&crate::model::Item::Gathering((*id).clone())))
            .filter(|(_, g)| g.meeting.timer.running)
            .max_by_key(|(_, g)| g.when);
        running.or_else(|| {
            self.gatherings
                .iter()
                .filter(|(id, _)| !self.is_deleted(&crate::model::Item::Gathering((*id).clone())))
                .filter(|(_, g)| g.when >= today && g.when.0 < today.0 + 24 * 60 * MINUTE_MS)
                .min_by_key(|(_, g)| g.when)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::community::NewTopic;
    use crate::model::{DocEntry, Roles};

    use crate::model::fixtures::id;

    const MIN: i64 = MINUTE_MS;

    fn setup() -> (Community, GatheringId) {
        let mut c = crate::model::fixtures::gardeners_with_bo();
        let mut agenda = Vec::new();
        for title in ["Soil", "Seeds"] {
            let t = TopicId::from(title.to_lowercase());
            let new = NewTopic {
                title: title.into(),
                ..Default::default()
            };
            c.add_topic(t.clone(), &id("ada"), &new, Timestamp(1))
                .unwrap();
            agenda.push(t);
        }
        let case = CaseId::from("case".to_string());
        c.cases
            .insert(case.clone(), DocEntry::new("Slugs", id("bo"), Timestamp(3)));
        let g = GatheringId::from("g".to_string());
        let gathering = Gathering {
            agenda,
            roles: Roles {
                facilitator: Some(id("ada")),
                ..Roles::default()
            },
            ..Gathering::new("June", Timestamp(100 * MIN))
        };
        c.add_gathering(g.clone(), &id("ada"), gathering).unwrap();
        (c, g)
    }

    fn remaining(c: &Community, g: &GatheringId, at: i64) -> i64 {
        c.now_view(&c.gatherings[g], Timestamp(at)).remaining_ms
    }

    #[test]
    fn every_member_computes_the_same_time_left_from_the_stored_timer() {
        let (mut c, g) = setup();
        let t0 = 100 * MIN;
        assert_eq!(
            remaining(&c, &g, t0),
            15 * MIN,
            "not started: the whole timebox"
        );
        c.run_timer(&g, &id("ada"), TimerAction::Start, Timestamp(t0))
            .unwrap();
        assert_eq!(remaining(&c, &g, t0 + 4 * MIN), 11 * MIN);
        c.run_timer(&g, &id("ada"), TimerAction::Pause, Timestamp(t0 + 5 * MIN))
            .unwrap();
        // Paused: time stands still however long the pause.
        assert_eq!(remaining(&c, &g, t0 + 30 * MIN), 10 * MIN);
        c.run_timer(&g, &id("ada"), TimerAction::Start, Timestamp(t0 + 30 * MIN))
            .unwrap();
        assert_eq!(
            remaining(&c, &g, t0 + 42 * MIN),
            -2 * MIN,
            "over time shows negative"
        );
        assert_eq!(clock_text(-2 * MIN), "-2:00");
        assert_eq!(clock_text(10 * MIN - 500), "10:00");
    }

    #[test]
    fn moving_on_starts_the_next_steps_timebox_and_stops_at_the_last() {
        let (mut c, g) = setup();
        c.set_meeting_case(&g, &id("ada"), Some(CaseId::from("case".to_string())))
            .unwrap();
        c.set_timebox(&g, &id("ada"), "case:questions", 12).unwrap();
        let steps = c.meeting_steps(&c.gatherings[&g]);
        let labels: Vec<&str> = steps.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Soil",
                "Seeds",
                "Situation — Slugs",
                "Clarifying questions — Slugs",
                "Suggestions — Slugs",
                "Reflection — Slugs"
            ]
        );
        c.run_timer(&g, &id("ada"), TimerAction::Start, Timestamp(0))
            .unwrap();
        let mut at = 0;
        for _ in 0..3 {
            at += MIN;
            c.run_timer(&g, &id("ada"), TimerAction::Next, Timestamp(at))
                .unwrap();
        }
        let view = c.now_view(&c.gatherings[&g], Timestamp(at + 2 * MIN));
        assert_eq!(view.step().unwrap().label, "Clarifying questions — Slugs");
        assert_eq!(
            view.remaining_ms,
            10 * MIN,
            "12 minutes, 2 gone, still running"
        );
        for _ in 0..2 {
            c.run_timer(&g, &id("ada"), TimerAction::Next, Timestamp(at))
                .unwrap();
        }
        assert!(matches!(
            c.run_timer(&g, &id("ada"), TimerAction::Next, Timestamp(at)),
            Err(ModelError::LastStep(_))
        ));
    }

    #[test]
    fn only_the_facilitator_runs_the_timer() {
        let (mut c, g) = setup();
        assert_eq!(
            c.run_timer(&g, &id("bo"), TimerAction::Start, Timestamp(0)),
            Err(ModelError::NotTheFacilitator("Ada".into()))
        );
        assert!(!c.gatherings[&g].meeting.timer.running);
        assert!(c.set_timebox(&g, &id("ada"), "topic:soil", 0).is_err());
        // Without a facilitator anyone may.
        c.set_gathering_role(&g, &id("ada"), crate::model::Role::Facilitator, None)
            .unwrap();
        c.run_timer(&g, &id("bo"), TimerAction::Start, Timestamp(0))
            .unwrap();
        assert!(c.gatherings[&g].meeting.timer.running);
    }

    #[test]
    fn the_gathering_now_is_the_running_one_or_todays() {
        let (mut c, g) = setup();
        assert!(
            c.gathering_now(Timestamp(100 * MIN + 60 * MIN * 24 * 3))
                .is_none()
        );
        assert_eq!(
            c.gathering_now(Timestamp(100 * MIN)).map(|(id, _)| id),
            Some(&g)
        );
        c.run_timer(&g, &id("ada"), TimerAction::Start, Timestamp(0))
            .unwrap();
        assert_eq!(
            c.gathering_now(Timestamp(100 * MIN + 60 * MIN * 24 * 3))
                .map(|(id, _)| id),
            Some(&g)
        );
    }
}
