//! Invite: create a ticket for a newcomer, shown as copyable text and as a QR code with its
//! expiry and uses, and the community's invites so far (who made them, uses left, expired or
//! withdrawn).
//!
//! The ticket holds the invite's secret, which the community document never stores: it exists
//! only in the answer to this device's `create_invite`, so the action hands it back through a
//! reply slot the view reads, not through a snapshot. The QR code is drawn with egui's painter
//! from the `qrcode` matrix, dark modules on a light square whatever the theme, so any phone can
//! read it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use eframe::egui;
use qrcode::{EcLevel, QrCode};

use super::app::ViewCtx;
use super::bridge;
use crate::model::{
    Community, CommunityId, Invite, InviteId, InviteStatus, MemberId, MemberRole, Timestamp,
};
use crate::node::SyncStatus;

/// Shown instead of a failing button when this device does not take part in the network.
pub const OFFLINE_MESSAGE: &str = "Invites need this device to be online: a newcomer joins by \
     connecting to the member who invited them. Open copse with the network on to create one.";

/// What to tell the member about a ticket they hold.
pub const HOW_TO_SEND: &str =
    "Send this to the newcomer; they paste it in Join with an invite while you are online.";

/// The most people one invite may admit.
const MAX_USES: u32 = 100;

/// The ticket a `create_invite` made, or why it could not.
type Reply = Arc<Mutex<Option<Result<Created, String>>>>;

/// How long an invite stays open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Day,
    Week,
    Month,
}

impl Expiry {
    const ALL: [(Expiry, &'static str); 3] = [
        (Expiry::Day, "1 day"),
        (Expiry::Week, "7 days"),
        (Expiry::Month, "30 days"),
    ];

    fn duration(self) -> Duration {
        let days = match self {
            Expiry::Day => 1,
            Expiry::Week => 7,
            Expiry::Month => 30,
        };
        Duration::from_secs(days * 24 * 60 * 60)
    }
}

/// A ticket this device made, with its QR code computed once.
struct Created {
    community: CommunityId,
    invite: InviteId,
    line: String,
    qr: Option<QrMatrix>,
    /// The members whose devices the ticket names, this one's first.
    admitters: Vec<String>,
}

pub struct InviteState {
    /// How many people the next invite admits.
    pub uses: u32,
    pub expiry: Expiry,
    /// The role the next invite grants.
    pub role: MemberRole,
    /// A `create_invite` under way.
    pending: Option<Reply>,
    /// The last ticket made here (for this window's life only: the secret is never stored).
    created: Option<Created>,
    /// Why the last attempt failed.
    error: Option<String>,
    copied: bool,
}

impl Default for InviteState {
    fn default() -> InviteState {
        InviteState {
            uses: 1,
            expiry: Expiry::Week,
            role: MemberRole::Member,
            pending: None,
            created: None,
            error: None,
            copied: false,
        }
    }
}

impl InviteState {
    /// Takes the answer of a finished `create_invite`, if there is one.
    fn poll(&mut self) {
        let Some(reply) = &self.pending else { return };
        let Some(answer) = reply.lock().ok().and_then(|mut slot| slot.take()) else {
            return;
        };
        self.pending = None;
        match answer {
            Ok(created) => {
                self.created = Some(created);
                self.error = None;
                self.copied = false;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// The dark and light modules of a QR code, row by row (no quiet zone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// The QR code of a ticket line. Tickets are base32 and read in any letter case, so the
    /// line is encoded in upper case, which QR's denser alphanumeric mode can hold.
    pub fn for_ticket(line: &str) -> Option<QrMatrix> {
        let code =
            QrCode::with_error_correction_level(line.to_ascii_uppercase(), EcLevel::M).ok()?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Some(QrMatrix { width, dark })
    }

    /// Modules per side.
    pub fn width(&self) -> usize {
        self.width
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Draws the code as filled rectangles, one per run of dark modules, inside a light square
    /// with the four-module quiet zone scanners need.
    pub fn ui(&self, ui: &mut egui::Ui, side: f32) -> egui::Response {
        const QUIET: usize = 4;
        let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Image, true, "QR code of the invite")
        });
        if !ui.is_rect_visible(rect) {
            return response;
        }
        let module = side / (self.width() + 2 * QUIET) as f32;
        let mut mesh = egui::Mesh::default();
        mesh.add_colored_rect(rect, egui::Color32::WHITE);
        let origin = rect.min + egui::vec2(module, module) * QUIET as f32;
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let min = origin + egui::vec2(start as f32, y as f32) * module;
                let max = origin + egui::vec2(x as f32, (y + 1) as f32) * module;
                mesh.add_colored_rect(egui::Rect::from_min_max(min, max), egui::Color32::BLACK);
            }
        }
        ui.painter().add(egui::Shape::mesh(mesh));
        response
    }
}

pub fn invite_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut InviteState, sync: &SyncStatus) {
    let (community_id, community) = (cx.community_id, cx.community);
    state.poll();
    if state.pending.is_some() {
        ui.ctx().request_repaint_after(Duration::from_millis(100));
    }
    let now = cx.now;
    let on_roster = cx.me.is_some();
    let online = sync.online;
    let mut commands = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading(format!("Invite someone to {}", community.name));
            ui.label(
                "An invite is a line of text (or a QR code) that lets a newcomer join. \
                 Anyone holding it can join, so send it only to the person you mean.",
            );
            ui.add_space(8.0);
            let may_invite = cx.me.is_some_and(|me| community.may_invite(me));
            if on_roster && !may_invite {
                ui.label(format!(
                    "Only stewards make invites in this community; ask {}.",
                    community.steward_names()
                ));
            }
            let steward = cx
                .me
                .is_some_and(|me| community.role_of(me) == Some(MemberRole::Steward));
            create_ui(
                ui,
                state,
                online,
                on_roster && may_invite,
                steward,
                &mut commands,
            );
            if steward {
                let mut members_may = !community.stewards_only_invite;
                if ui
                    .checkbox(&mut members_may, "Members may make invites")
                    .on_hover_text("A steward's setting; stewards can always invite")
                    .clicked()
                {
                    commands.push(bridge::action(
                        "change who may invite",
                        move |node, id| async move {
                            node.set_members_may_invite(&id, members_may).await
                        },
                    ));
                }
            }
            // A ticket made for another community stays with it.
            let created = state
                .created
                .as_ref()
                .filter(|c| c.community == *community_id);
            if let Some(created) = created {
                ui.add_space(8.0);
                ticket_ui(ui, created, community, now, &mut state.copied);
            }
            ui.add_space(16.0);
            ui.separator();
            invites_list_ui(ui, community, cx.me, now, created, &mut commands);
        });
    for command in commands {
        cx.send(command);
    }
}

fn create_ui(
    ui: &mut egui::Ui,
    state: &mut InviteState,
    online: bool,
    on_roster: bool,
    steward: bool,
    commands: &mut Vec<bridge::Command>,
) {
    if !online {
        ui.colored_label(ui.visuals().warn_fg_color, OFFLINE_MESSAGE);
        ui.add_space(4.0);
    } else if !on_roster {
        ui.label("Only members can invite, and this device is not on the roster.");
    }
    ui.horizontal(|ui| {
        let label = ui.label("Uses");
        ui.add(
            egui::DragValue::new(&mut state.uses)
                .range(1..=MAX_USES)
                .speed(0.1),
        )
        .labelled_by(label.id)
        .on_hover_text("How many people can join with this invite");
        ui.label(if state.uses == 1 {
            "person can join with it"
        } else {
            "people can join with it"
        });
    });
    ui.horizontal(|ui| {
        ui.label("Expires in");
        for (expiry, text) in Expiry::ALL {
            // Each choice keeps its own name ("7 days"); the label before them says what for.
            ui.radio_value(&mut state.expiry, expiry, text);
        }
    });
    ui.horizontal(|ui| {
        ui.label("Joins as");
        ui.radio_value(&mut state.role, MemberRole::Member, "member")
            .on_hover_text("Writes everything: notes, topics, cases, gatherings");
        ui.radio_value(&mut state.role, MemberRole::Reader, "reader")
            .on_hover_text(
                "Sees everything, writes nothing: a sponsor, a guest, someone looking first",
            );
        if steward {
            ui.radio_value(&mut state.role, MemberRole::Steward, "steward")
                .on_hover_text("May also remove members, change roles and revoke invites");
        } else if state.role == MemberRole::Steward {
            state.role = MemberRole::Member;
        }
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let ready = online && on_roster && state.pending.is_none();
        if ui
            .add_enabled(ready, egui::Button::new("Create invite"))
            .clicked()
        {
            let (uses, expires_in) = (state.uses.clamp(1, MAX_USES), state.expiry.duration());
            let role = state.role;
            let reply = Reply::default();
            let slot = reply.clone();
            commands.push(bridge::action("create the invite", move |node, id| {
                async move {
                    let made = node
                        .create_invite_for(&id, Some(expires_in), Some(uses), role)
                        .await
                        .map(|ticket| {
                            let line = ticket.to_line();
                            Created {
                                community: id.clone(),
                                invite: ticket.invite.clone(),
                                qr: QrMatrix::for_ticket(&line),
                                admitters: ticket.admitters().into_iter().map(|a| a.name).collect(),
                                line,
                            }
                        })
                        .map_err(|e| e.to_string());
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(made);
                    }
                    // Answered through the slot, beside the button, not in the error bar.
                    Ok(())
                }
            }));
            state.pending = Some(reply);
            state.error = None;
        }
        if state.pending.is_some() {
            ui.spinner();
            ui.label("Creating the invite…");
        }
    });
    if let Some(error) = &state.error {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("The invite could not be created: {error}"),
        );
    }
}

fn ticket_ui(
    ui: &mut egui::Ui,
    created: &Created,
    community: &Community,
    now: Timestamp,
    copied: &mut bool,
) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.strong("Your new invite");
        ui.label(HOW_TO_SEND);
        if let Some(invite) = community.invites.get(&created.invite) {
            ui.label(format!("This invite {}.", limits_text(invite, now)));
        }
        ui.weak(match created.admitters.as_slice() {
            [_] => "Only your device can let them in: keep copse open until they have joined."
                .to_string(),
            names => format!(
                "Whichever of these members' devices is online lets them in: {}.",
                names.join(", ")
            ),
        });
        ui.add_space(6.0);
        ui.horizontal_top(|ui| {
            let text_width = (ui.available_width() - 280.0).max(240.0);
            ui.vertical(|ui| {
                ui.set_width(text_width);
                let label = ui.label("Invite ticket");
                let mut line = created.line.as_str();
                ui.add(
                    egui::TextEdit::multiline(&mut line)
                        .desired_width(text_width)
                        .desired_rows(4)
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(label.id);
                ui.horizontal(|ui| {
                    if ui.button("Copy").clicked() {
                        ui.ctx().copy_text(created.line.clone());
                        *copied = true;
                    }
                    if *copied {
                        ui.label("Copied.");
                    }
                });
            });
            match &created.qr {
                Some(qr) => {
                    qr.ui(ui, 260.0);
                }
                None => {
                    ui.label("This invite is too long for a QR code; send the text instead.");
                }
            }
        });
    });
}

/// "admits 1 more person · expires 2025-03-05 14:00 UTC".
fn limits_text(invite: &Invite, now: Timestamp) -> String {
    let uses = match invite.remaining_uses() {
        None => "admits anyone who has it".to_string(),
        Some(1) => "admits 1 more person".to_string(),
        Some(n) => format!("admits {n} more people"),
    };
    let expiry = match invite.expires_at {
        None => "never expires".to_string(),
        Some(at) if at <= now => format!("expired {at}"),
        Some(at) => format!("expires {at}"),
    };
    format!("{uses} · {expiry}")
}

fn invites_list_ui(
    ui: &mut egui::Ui,
    community: &Community,
    me: Option<&MemberId>,
    now: Timestamp,
    created: Option<&Created>,
    commands: &mut Vec<bridge::Command>,
) {
    ui.strong(format!("Invites so far ({})", community.invites.len()));
    if community.invites.is_empty() {
        ui.label("No invites yet.");
        return;
    }
    let mut invites: Vec<(&InviteId, &Invite)> = community.invites.iter().collect();
    invites.sort_by_key(|(_, i)| std::cmp::Reverse(i.created_at));
    egui::Grid::new("invites")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            ui.weak("Created");
            ui.weak("By");
            ui.weak("State");
            ui.weak("Joined with it");
            ui.weak("");
            ui.end_row();
            for (id, invite) in invites {
                let mine = created.is_some_and(|c| &c.invite == id);
                ui.label(invite.created_at.to_string());
                ui.label(community.display_name(&invite.created_by));
                let status = invite.status(now).in_words();
                let mut state = match invite.status(now) {
                    InviteStatus::Open => format!("{status} · {}", limits_text(invite, now)),
                    _ => status.to_string(),
                };
                if let Some(role @ (MemberRole::Reader | MemberRole::Steward)) = invite.role {
                    state.push_str(&format!(" · joins as {role}"));
                }
                if mine {
                    ui.label(format!("{state} (shown above)"));
                } else {
                    ui.label(state);
                }
                let joined: Vec<String> = invite
                    .uses
                    .keys()
                    .map(|m| community.display_name(m))
                    .collect();
                ui.label(if joined.is_empty() {
                    "nobody yet".to_string()
                } else {
                    joined.join(", ")
                });
                let may_withdraw = invite.status(now) == InviteStatus::Open
                    && me.is_some_and(|me| community.may_revoke(me, invite));
                if may_withdraw
                    && ui
                        .button("Withdraw")
                        .on_hover_text("It admits nobody more; recorded for every member")
                        .clicked()
                {
                    let invite = id.clone();
                    commands.push(bridge::action(
                        "withdraw the invite",
                        move |node, id| async move { node.revoke_invite(&id, &invite, None).await },
                    ));
                } else if !may_withdraw {
                    ui.label("");
                }
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::ticket::InviteTicket;

    fn ticket_line() -> String {
        let key = iroh::SecretKey::from_bytes(&[3; 32]);
        let addr = iroh::EndpointAddr::from_parts(
            key.public(),
            [iroh::TransportAddr::Ip("127.0.0.1:4433".parse().unwrap())],
        );
        InviteTicket {
            inviter: addr,
            inviter_name: "Ann".into(),
            others: vec![],
            community: "2ZBbhmSNeHwXrUdXL9RcWf9ZgqhF".to_string(),
            invite: InviteId::new_random(),
            secret: [9; 32],
        }
        .to_line()
    }

    #[test]
    fn a_real_ticket_makes_a_square_qr_matrix() {
        let line = ticket_line();
        assert!(line.starts_with("copse"));
        let qr = QrMatrix::for_ticket(&line).expect("a ticket fits in a QR code");
        assert!(qr.width() >= 21, "version 1 is the smallest");
        assert_eq!(qr.dark.len(), qr.width() * qr.width(), "square");
        // The three finder patterns: dark corners at top-left, top-right and bottom-left.
        let w = qr.width();
        assert!(qr.is_dark(0, 0) && qr.is_dark(w - 1, 0) && qr.is_dark(0, w - 1));
        assert!(!qr.is_dark(w, 0), "outside the code is light");
        // What the QR holds reads back as the same ticket: case does not matter.
        assert_eq!(
            line.to_ascii_uppercase().parse::<InviteTicket>().unwrap(),
            line.parse::<InviteTicket>().unwrap()
        );
    }

    #[test]
    fn limits_say_uses_and_expiry_in_words() {
        let invite = Invite {
            secret_hash: String::new(),
            created_by: "ada".parse().unwrap(),
            created_at: Timestamp(0),
            expires_at: Some(Timestamp(86_400_000)),
            max_uses: Some(3),
            uses: Default::default(),
            revoked: false,
            for_member: None,
            device_label: None,
            role: None,
            always_on: false,
        };
        assert_eq!(
            limits_text(&invite, Timestamp(1)),
            "admits 3 more people · expires 1970-01-02 00:00 UTC"
        );
        assert_eq!(invite.status(Timestamp(1)).in_words(), "open");
        assert_eq!(invite.status(Timestamp(86_400_000)).in_words(), "expired");
    }
}
