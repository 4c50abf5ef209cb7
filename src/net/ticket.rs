//! Invite tickets: the one line a member sends to someone they invite.
//!
//! A ticket holds what the newcomer needs to be admitted: the endpoint addresses of the
//! inviter's device and of a few other members' devices seen lately, each with its member's
//! name (any of them holds the invite's hash and may admit, so whichever is online does; see
//! [`InviteTicket::admitters`]), the community's document id, the invite's id and its secret. It
//! is an [`iroh_tickets::Ticket`] of kind `copse`: the prefix `copse`, then unpadded base32 of
//! the bytes. The bytes are a postcard-encoded [`TicketWire`] (its leading variant tag is the
//! version) followed by a 4-byte checksum (the start of the SHA-256 of everything before it).
//! Every later version keeps that checksum at the end, so a damaged ticket is told apart from
//! one made by a newer copse.
//!
//! Tickets get wrapped, indented and re-cased by chat apps and mail clients: parsing ignores all
//! whitespace and letter case (base32 is case-insensitive). The checksum catches a mistyped
//! character, which would otherwise surface later as a confusing "invite not valid".
//!
//! Depends on [`crate::model`] for ids only. Anyone holding a ticket can join: it is shown to the
//! member who made it and to nobody else, and its `Debug` form hides the secret.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use iroh::{EndpointAddr, EndpointId, TransportAddr};
use iroh_tickets::{ParseError, Ticket};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{CommunityId, InviteId};

/// Longest ticket text we try to read, whitespace removed. A real ticket is a few hundred
/// characters; this leaves room for dozens of addresses and bounds the work on garbage.
pub const MAX_TICKET_CHARS: usize = 4096;

/// Most devices besides the inviter's a ticket names.
pub const MAX_OTHER_ADMITTERS: usize = 4;

/// Longest member name a ticket carries (in characters); longer ones are cut.
const MAX_NAME_CHARS: usize = 40;

/// Bytes of checksum at the end of every version's encoding.
const CHECKSUM_LEN: usize = 4;

/// [`ParseError::Verify`] messages that [`InviteTicket::from_str`] turns back into
/// [`TicketError`]s (the trait's error type has no room for our own).
const NEWER_VERSION: &str = "made by a newer version";
const CORRUPT: &str = "damaged";

/// A member's device that may admit the newcomer, and whose device it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admitter {
    /// The member's name, for "asking Ann's device".
    pub name: String,
    pub addr: EndpointAddr,
}

/// An invitation to one community, as carried in a ticket.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteTicket {
    /// Whom to dial first to be admitted: the inviter's endpoint id, direct addresses and relay.
    pub inviter: EndpointAddr,
    /// The inviter's name (empty in tickets from before names were carried).
    pub inviter_name: String,
    /// Other members' devices seen lately, which may admit too when the inviter is offline.
    pub others: Vec<Admitter>,
    /// The community's root document id (samod `DocumentId` text).
    pub community: String,
    /// Which invite of the community this is.
    pub invite: InviteId,
    /// Proves the invite; the community document keeps only its hash.
    pub secret: [u8; 32],
}

/// Why a ticket could not be read, in words for the person who pasted it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("there is no invite here — paste the whole invite line")]
    Empty,
    #[error("this is not a copse invite")]
    WrongKind,
    #[error("this invite was made by a newer copse; update copse to use it")]
    NewerVersion,
    #[error("the invite is damaged or incomplete — copy it again")]
    Corrupt,
}

/// The versions of the ticket's bytes. Add versions at the end; never change or reorder one.
#[derive(Serialize, Deserialize)]
enum TicketWire {
    V1 {
        inviter: EndpointId,
        addrs: BTreeSet<TransportAddr>,
        community: String,
        invite: String,
        secret: [u8; 32],
    },
    /// Several devices that may admit, the inviter's first, each with its member's name.
    V2 {
        devices: Vec<WireDevice>,
        community: String,
        invite: String,
        secret: [u8; 32],
    },
}

#[derive(Serialize, Deserialize)]
struct WireDevice {
    name: String,
    id: EndpointId,
    addrs: BTreeSet<TransportAddr>,
}

/// A fresh invite secret from the operating system's randomness (via the thread's CSPRNG).
pub fn new_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    rand::rng().fill(&mut secret);
    secret
}

impl InviteTicket {
    /// The ticket as one line of text, to print, send or show as a QR code.
    pub fn to_line(&self) -> String {
        self.encode_string()
    }

    /// What the newcomer waits for, in words: "Asking Ann's device to let you in" or "Asking
    /// the devices of Ann, Bob and Cy to let you in (whichever is online)".
    pub fn waiting_for(&self) -> String {
        let names: Vec<String> = self
            .admitters()
            .into_iter()
            .map(|a| {
                if a.name.is_empty() {
                    "the inviter".to_string()
                } else {
                    a.name
                }
            })
            .collect();
        match names.split_last() {
            Some((only, [])) => format!("Asking {only}'s device to let you in…"),
            Some((last, rest)) => format!(
                "Asking the devices of {} and {last} to let you in (whichever is online)…",
                rest.join(", ")
            ),
            None => "Asking the inviter's device to let you in…".into(),
        }
    }

    /// Every device that may admit, the inviter's first (each device once).
    pub fn admitters(&self) -> Vec<Admitter> {
        let mut out = vec![Admitter {
            name: self.inviter_name.clone(),
            addr: self.inviter.clone(),
        }];
        for other in &self.others {
            if out.iter().all(|a| a.addr.id != other.addr.id) {
                out.push(other.clone());
            }
        }
        out
    }

    fn decode(bytes: &[u8]) -> Result<InviteTicket, TicketError> {
        let split = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .ok_or(TicketError::Corrupt)?;
        let (payload, checksum) = bytes.split_at(split);
        if payload.is_empty() || checksum != &Sha256::digest(payload)[..CHECKSUM_LEN] {
            return Err(TicketError::Corrupt);
        }
        let (version, _) =
            postcard::take_from_bytes::<u32>(payload).map_err(|_| TicketError::Corrupt)?;
        if version > 1 {
            return Err(TicketError::NewerVersion);
        }
        let (wire, rest) =
            postcard::take_from_bytes::<TicketWire>(payload).map_err(|_| TicketError::Corrupt)?;
        if !rest.is_empty() {
            return Err(TicketError::Corrupt);
        }
        let (devices, community, invite, secret) = match wire {
            TicketWire::V1 {
                inviter,
                addrs,
                community,
                invite,
                secret,
            } => {
                let inviter = WireDevice {
                    name: String::new(),
                    id: inviter,
                    addrs,
                };
                (vec![inviter], community, invite, secret)
            }
            TicketWire::V2 {
                devices,
                community,
                invite,
                secret,
            } => (devices, community, invite, secret),
        };
        // The id parsers trim before checking; a ticket must hold each id exactly as written.
        let community_ok = CommunityId::from_str(&community).is_ok_and(|c| c.as_str() == community);
        let invite = InviteId::from_str(&invite)
            .ok()
            .filter(|i| i.as_str() == invite);
        let (true, Some(invite)) = (community_ok, invite) else {
            return Err(TicketError::Corrupt);
        };
        let mut devices = devices.into_iter().map(|d| Admitter {
            name: d.name.chars().take(MAX_NAME_CHARS).collect(),
            addr: EndpointAddr::from_parts(d.id, d.addrs),
        });
        let inviter = devices.next().ok_or(TicketError::Corrupt)?;
        Ok(InviteTicket {
            inviter: inviter.addr,
            inviter_name: inviter.name,
            others: devices.take(MAX_OTHER_ADMITTERS).collect(),
            community,
            invite,
            secret,
        })
    }
}

impl Ticket for InviteTicket {
    const KIND: &'static str = "copse";

    fn encode_bytes(&self) -> Vec<u8> {
        let wire = TicketWire::V2 {
            devices: self
                .admitters()
                .into_iter()
                .take(1 + MAX_OTHER_ADMITTERS)
                .map(|a| WireDevice {
                    name: a.name.chars().take(MAX_NAME_CHARS).collect(),
                    id: a.addr.id,
                    addrs: a.addr.addrs,
                })
                .collect(),
            community: self.community.clone(),
            invite: self.invite.as_str().to_string(),
            secret: self.secret,
        };
        // Cannot fail: postcard only refuses sequences of unknown length and types whose own
        // `Serialize` fails, and every field here has a length and an infallible `Serialize`.
        #[expect(
            clippy::expect_used,
            reason = "postcard cannot fail on these fields (above)"
        )]
        let mut bytes = postcard::to_stdvec(&wire).expect("postcard encodes a ticket");
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum[..CHECKSUM_LEN]);
        bytes
    }

    fn decode_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        InviteTicket::decode(bytes).map_err(|e| {
            ParseError::verification_failed(match e {
                TicketError::NewerVersion => NEWER_VERSION,
                _ => CORRUPT,
            })
        })
    }
}

impl FromStr for InviteTicket {
    type Err = TicketError;

    /// Reads a ticket as pasted: whitespace anywhere and any letter case are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut text = String::with_capacity(s.len().min(MAX_TICKET_CHARS));
        for c in s.chars().filter(|c| !c.is_whitespace()) {
            if text.len() >= MAX_TICKET_CHARS {
                return Err(TicketError::Corrupt);
            }
            text.push(c.to_ascii_lowercase());
        }
        if text.is_empty() {
            return Err(TicketError::Empty);
        }
        if Self::KIND.starts_with(text.as_str()) {
            // Cut off inside the prefix: a copse invite, but incomplete.
            return Err(TicketError::Corrupt);
        }
        Self::decode_string(&text).map_err(|e| match e {
            ParseError::Kind { .. } => TicketError::WrongKind,
            ParseError::Verify { message, .. } if message == NEWER_VERSION => {
                TicketError::NewerVersion
            }
            _ => TicketError::Corrupt,
        })
    }
}

impl fmt::Display for InviteTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}

impl fmt::Debug for InviteTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteTicket")
            .field("inviter", &self.inviter)
            .field("inviter_name", &self.inviter_name)
            .field("others", &self.others)
            .field("community", &self.community)
            .field("invite", &self.invite)
            .field("secret", &"<hidden>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

    use iroh::{RelayUrl, SecretKey};
    use iroh_tickets::endpoint::EndpointTicket;
    use proptest::prelude::*;

    use super::*;

    fn endpoint(seed: u8) -> EndpointId {
        SecretKey::from_bytes(&[seed; 32]).public()
    }

    fn ticket_with(addrs: Vec<TransportAddr>) -> InviteTicket {
        InviteTicket {
            inviter: EndpointAddr::from_parts(endpoint(1), addrs),
            inviter_name: "Ann".into(),
            others: vec![],
            community: "2yaSgQ8ZoGcHkfw1VGSpn7FtGc9W".into(),
            invite: InviteId::from("0f3c2b1a9e8d4c7b8a6f5e4d3c2b1a09".to_string()),
            secret: [0xA5; 32],
        }
    }

    fn ticket() -> InviteTicket {
        ticket_with(vec![TransportAddr::Ip(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            4433,
        )))])
    }

    /// Encodes any bytes as a `copse` ticket, to build tickets our encoder would not.
    struct RawTicket(Vec<u8>);

    impl Ticket for RawTicket {
        const KIND: &'static str = "copse";
        fn encode_bytes(&self) -> Vec<u8> {
            self.0.clone()
        }
        fn decode_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
            Ok(RawTicket(bytes.to_vec()))
        }
    }

    fn with_checksum(mut payload: Vec<u8>) -> String {
        let checksum = Sha256::digest(&payload);
        payload.extend_from_slice(&checksum[..CHECKSUM_LEN]);
        RawTicket(payload).encode_string()
    }

    #[test]
    fn a_ticket_round_trips() {
        let t = ticket();
        let line = t.to_line();
        assert!(line.starts_with("copse"), "{line}");
        assert!(line.chars().all(|c| c.is_ascii_alphanumeric()), "{line}");
        assert_eq!(line.parse::<InviteTicket>().unwrap(), t);
        assert_eq!(t.to_string(), line);
    }

    #[test]
    fn an_address_with_ipv4_ipv6_and_a_relay_round_trips() {
        let relay: RelayUrl = "https://relay.example.org./".parse().unwrap();
        let t = ticket_with(vec![
            TransportAddr::Ip(SocketAddr::from((Ipv4Addr::new(192, 168, 1, 20), 51820))),
            TransportAddr::Ip(SocketAddr::from((
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0x1c2a, 0x3bff, 0xfe4d, 0x5e6f),
                51821,
            ))),
            TransportAddr::Relay(relay),
        ]);
        let back: InviteTicket = t.to_line().parse().unwrap();
        assert_eq!(back.inviter, t.inviter);
        assert_eq!(back.inviter.addrs.len(), 3);
        assert_eq!(back, t);
    }

    #[test]
    fn an_address_with_only_an_endpoint_id_round_trips() {
        let t = ticket_with(vec![]);
        assert_eq!(t.to_line().parse::<InviteTicket>().unwrap(), t);
    }

    #[test]
    fn whitespace_anywhere_and_letter_case_are_ignored() {
        let t = ticket();
        let line = t.to_line();
        for sep in [" ", "\n", "\r\n", "\t", "  \n\t", "\u{a0}"] {
            let spread: String = line
                .chars()
                .flat_map(|c| [c.to_string(), sep.into()])
                .collect();
            assert_eq!(
                format!("{sep}{spread}").parse::<InviteTicket>().unwrap(),
                t,
                "{sep:?}"
            );
        }
        // Wrapped at 40 columns and indented, as a mail client might.
        let wrapped: String = line
            .as_bytes()
            .chunks(40)
            .map(|c| format!("    {}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(wrapped.parse::<InviteTicket>().unwrap(), t);
        assert_eq!(
            line.to_ascii_uppercase().parse::<InviteTicket>().unwrap(),
            t
        );
    }

    #[test]
    fn a_ticket_truncated_at_any_length_is_refused() {
        let line = ticket().to_line();
        for len in 0..line.len() {
            let cut = &line[..len];
            let expected = if len == 0 {
                TicketError::Empty
            } else {
                TicketError::Corrupt
            };
            assert_eq!(cut.parse::<InviteTicket>(), Err(expected), "cut at {len}");
        }
    }

    #[test]
    fn every_single_mistyped_character_is_caught() {
        let t = ticket();
        let line = t.to_line();
        for i in InviteTicket::KIND.len()..line.len() {
            for replacement in ['a', 'q', '7'] {
                let mut typo = line.clone().into_bytes();
                if typo[i] == replacement as u8 {
                    continue;
                }
                typo[i] = replacement as u8;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    typo.parse::<InviteTicket>(),
                    Err(TicketError::Corrupt),
                    "typo at {i}"
                );
            }
        }
    }

    #[test]
    fn garbage_is_refused_with_a_clear_error() {
        let cases = [
            ("", TicketError::Empty),
            (" \n\t ", TicketError::Empty),
            ("hello", TicketError::WrongKind),
            ("https://example.org/join", TicketError::WrongKind),
            ("cop", TicketError::Corrupt),
            ("copse", TicketError::Corrupt),
            ("copse!!!!", TicketError::Corrupt),
            ("copse0189", TicketError::Corrupt),
            ("copseaaaaaaaa", TicketError::Corrupt),
            ("copse\u{e9}t\u{e9}", TicketError::Corrupt),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<InviteTicket>(), Err(expected), "{text:?}");
        }
        let huge = format!("copse{}", "a".repeat(MAX_TICKET_CHARS * 4));
        assert_eq!(huge.parse::<InviteTicket>(), Err(TicketError::Corrupt));
        assert_eq!(
            "endpoint".parse::<InviteTicket>(),
            Err(TicketError::WrongKind)
        );
    }

    #[test]
    fn another_kind_of_ticket_is_not_a_copse_invite() {
        let other = EndpointTicket::new(ticket().inviter).to_string();
        let err = other.parse::<InviteTicket>().unwrap_err();
        assert_eq!(err, TicketError::WrongKind);
        assert_eq!(err.to_string(), "this is not a copse invite");
    }

    #[test]
    fn a_ticket_from_a_newer_copse_is_told_apart_from_a_damaged_one() {
        // Version tag 2 (a later `TicketWire` variant) with whatever it may hold.
        let newer = with_checksum(vec![2, 42, 42, 42]);
        let err = newer.parse::<InviteTicket>().unwrap_err();
        assert_eq!(err, TicketError::NewerVersion);
        assert!(err.to_string().contains("newer copse"));
        // A tag needing a multi-byte varint is newer too.
        assert_eq!(
            with_checksum(vec![0x80, 0x01]).parse::<InviteTicket>(),
            Err(TicketError::NewerVersion)
        );
        // The same bytes with a wrong checksum are damage, not a newer version.
        assert_eq!(
            RawTicket(vec![2, 42, 42, 42, 0, 0, 0, 0])
                .encode_string()
                .parse::<InviteTicket>(),
            Err(TicketError::Corrupt)
        );
    }

    #[test]
    fn trailing_bytes_and_invalid_ids_are_damage() {
        let bytes = ticket().encode_bytes();
        let payload = bytes[..bytes.len() - CHECKSUM_LEN].to_vec();
        let mut longer = payload.clone();
        longer.push(0);
        assert_eq!(
            with_checksum(longer).parse::<InviteTicket>(),
            Err(TicketError::Corrupt)
        );
        for (community, invite) in [("", "i"), ("c", ""), ("has space", "i"), ("c", "a/b")] {
            let wire = TicketWire::V1 {
                inviter: endpoint(1),
                addrs: BTreeSet::new(),
                community: community.into(),
                invite: invite.into(),
                secret: [1; 32],
            };
            let line = with_checksum(postcard::to_stdvec(&wire).unwrap());
            assert_eq!(
                line.parse::<InviteTicket>(),
                Err(TicketError::Corrupt),
                "{community:?} {invite:?}"
            );
        }
    }

    /// Regression: a ticket named only the inviter's device, so an offline inviter meant no
    /// way in. It now names other members' devices too, with their names, in order.
    #[test]
    fn a_ticket_carries_several_members_devices_with_their_names() {
        let mut t = ticket();
        t.others = (2..8)
            .map(|seed| Admitter {
                name: format!("Member {seed}"),
                addr: EndpointAddr::from_parts(
                    endpoint(seed),
                    [TransportAddr::Ip(SocketAddr::from((
                        Ipv4Addr::LOCALHOST,
                        4000 + u16::from(seed),
                    )))],
                ),
            })
            .collect();
        let back: InviteTicket = t.to_line().parse().unwrap();
        let names: Vec<String> = back.admitters().into_iter().map(|a| a.name).collect();
        // The inviter first, then at most four others.
        assert_eq!(
            names,
            ["Ann", "Member 2", "Member 3", "Member 4", "Member 5"]
        );
        assert_eq!(back.others[0].addr, t.others[0].addr);
        assert_eq!(
            back.waiting_for(),
            "Asking the devices of Ann, Member 2, Member 3, Member 4 and Member 5 to let you in \
             (whichever is online)…"
        );
        assert_eq!(ticket().waiting_for(), "Asking Ann's device to let you in…");
        assert!(t.to_line().len() < MAX_TICKET_CHARS);
    }

    /// A ticket from before names and other devices were carried still admits.
    #[test]
    fn a_first_version_ticket_is_still_read() {
        let wire = TicketWire::V1 {
            inviter: endpoint(1),
            addrs: BTreeSet::new(),
            community: "2yaSgQ8ZoGcHkfw1VGSpn7FtGc9W".into(),
            invite: "0f3c2b1a9e8d4c7b8a6f5e4d3c2b1a09".into(),
            secret: [7; 32],
        };
        let old: InviteTicket = with_checksum(postcard::to_stdvec(&wire).unwrap())
            .parse()
            .unwrap();
        assert_eq!(old.inviter.id, endpoint(1));
        assert_eq!(old.inviter_name, "");
        assert!(old.others.is_empty());
        assert_eq!(old.secret, [7; 32]);
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let t = ticket();
        let shown = format!("{t:?}");
        assert!(shown.contains("<hidden>"), "{shown}");
        assert!(!shown.contains(&format!("{:?}", t.secret)), "{shown}");
        let hex: String = t.secret.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.to_lowercase().contains(&hex), "{shown}");
    }

    #[test]
    fn new_secrets_differ() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in ".{0,600}") {
            let _ = text.parse::<InviteTicket>();
        }

        #[test]
        fn any_bytes_after_the_prefix_are_refused_without_panicking(
            bytes in proptest::collection::vec(any::<u8>(), 0..400),
            checksummed in any::<bool>(),
        ) {
            let line = if checksummed {
                with_checksum(bytes)
            } else {
                RawTicket(bytes).encode_string()
            };
            let _ = line.parse::<InviteTicket>();
        }
    }
}
