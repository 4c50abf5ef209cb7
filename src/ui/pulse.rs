//! Pulse: participation levels, gentle notices and a chart of contributions per week, computed
//! on this device only. The view says plainly that these are indicators to talk about, not
//! targets, and never ranks members by count.
//!
//! The pulse reads every note and case, so it is computed by a node action whenever the
//! community's snapshot changes (at most one at a time), and drawn from its last answer.

use std::sync::{Arc, Mutex};

use eframe::egui;
use egui_plot::{Bar, BarChart, Plot};

use super::app::ViewCtx;
use super::bridge;
use crate::model::Community;
use crate::model::practice::pulse::{Level, Pulse};

/// What the view says first, word for word.
pub const CAVEAT: &str = "These are indicators to talk about together, not targets. \
                          Computed on this device only; reading leaves no trace.";

type Reply = Arc<Mutex<Option<Result<Pulse, String>>>>;

#[derive(Default)]
pub struct PulseState {
    pulse: Option<Pulse>,
    /// The snapshot the last request was made for: a newer one asks again.
    asked_for: Option<Arc<Community>>,
    pending: Option<Reply>,
    error: Option<String>,
}

impl PulseState {
    /// Takes a finished answer, and asks again when the community has changed since.
    fn refresh(&mut self, community: &Arc<Community>) -> Option<bridge::Command> {
        if let Some(reply) = &self.pending {
            let answer = reply.lock().ok().and_then(|mut slot| slot.take());
            match answer {
                Some(Ok(pulse)) => {
                    self.pulse = Some(pulse);
                    self.error = None;
                    self.pending = None;
                }
                Some(Err(e)) => {
                    self.error = Some(e);
                    self.pending = None;
                }
                None => return None,
            }
        }
        let fresh = self
            .asked_for
            .as_ref()
            .is_some_and(|from| Arc::ptr_eq(from, community));
        if fresh {
            return None;
        }
        self.asked_for = Some(community.clone());
        let reply = Reply::default();
        self.pending = Some(reply.clone());
        Some(bridge::action(
            "compute the pulse",
            move |node, id| async move {
                let pulse = node.pulse(&id).await.map_err(|e| e.to_string());
                if let Ok(mut slot) = reply.lock() {
                    *slot = Some(pulse);
                }
                Ok(())
            },
        ))
    }
}

pub fn pulse_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut PulseState) {
    let community = cx.community;
    if let Some(command) = state.refresh(community) {
        cx.send(command);
    }
    if state.pending.is_some() {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }
    ui.heading("Community pulse");
    ui.label(CAVEAT);
    ui.add_space(8.0);
    if let Some(error) = &state.error {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("The pulse could not be computed: {error}"),
        );
    }
    let Some(pulse) = &state.pulse else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Reading the community's activity…");
        });
        return;
    };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            notices_ui(ui, pulse);
            ui.add_space(10.0);
            levels_ui(ui, pulse);
            ui.add_space(10.0);
            attendance_ui(ui, pulse);
            ui.add_space(10.0);
            chart_ui(ui, pulse);
        });
}

fn notices_ui(ui: &mut egui::Ui, pulse: &Pulse) {
    ui.strong("Worth talking about");
    if pulse.notices.is_empty() {
        ui.label("Nothing to watch right now.");
    }
    for notice in &pulse.notices {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(notice.message());
        });
    }
}

fn levels_ui(ui: &mut egui::Ui, pulse: &Pulse) {
    ui.strong("Participation in the last 90 days");
    ui.weak("Every level is a welcome way to take part.");
    egui::Grid::new("pulse-levels")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            for level in Level::ALL {
                let who: Vec<&str> = pulse
                    .members
                    .iter()
                    .filter(|m| m.level == level)
                    .map(|m| m.name.as_str())
                    .collect();
                ui.label(format!("{} ({})", capitalised(level), who.len()))
                    .on_hover_text(level.meaning());
                ui.label(if who.is_empty() {
                    "nobody".to_string()
                } else {
                    who.join(", ")
                });
                ui.end_row();
            }
        });
}

/// Who came to gatherings in the last 90 days, from the attendance ticked at each.
fn attendance_ui(ui: &mut egui::Ui, pulse: &Pulse) {
    ui.strong("Who came to gatherings");
    let mut came: Vec<_> = pulse
        .members
        .iter()
        .filter(|m| m.gatherings_attended > 0)
        .collect();
    if came.is_empty() {
        ui.label("No attendance recorded in the last 90 days: tick who was there in a gathering.");
        return;
    }
    came.sort_by_key(|m| m.name.to_lowercase());
    let line: Vec<String> = came
        .iter()
        .map(|m| format!("{} ({})", m.name, m.gatherings_attended))
        .collect();
    ui.label(line.join(", "));
}

fn capitalised(level: Level) -> String {
    let name = level.to_string();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

fn chart_ui(ui: &mut egui::Ui, pulse: &Pulse) {
    ui.strong("Contributions per week");
    let bars: Vec<Bar> = pulse
        .weeks
        .iter()
        .enumerate()
        .map(|(i, week)| {
            let start = chrono::DateTime::from_timestamp_millis(week.start.0)
                .map(|t| t.format("week of %-d %b").to_string())
                .unwrap_or_default();
            Bar::new(i as f64, week.contributions as f64)
                .name(start)
                .width(0.7)
        })
        .collect();
    let weeks = pulse.weeks.len();
    Plot::new("pulse-weeks")
        .height(180.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .include_y(0.0)
        .x_axis_formatter(move |mark, _| {
            // Weeks counted back from now: 0 is this week.
            let back = weeks as f64 - 1.0 - mark.value;
            if back.fract() != 0.0 || back < 0.0 {
                String::new()
            } else if back == 0.0 {
                "this week".to_string()
            } else {
                format!("-{back}w")
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("Contributions", bars));
        });
    let total: usize = pulse.weeks.iter().map(|w| w.contributions).sum();
    ui.weak(format!(
        "{total} contributions in the last {weeks} weeks: notes, edits, comments, topics, \
         endorsements, questions, answers and suggestions."
    ));
}
