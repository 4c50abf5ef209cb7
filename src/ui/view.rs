//! [`View`]: the part of the app a member is looking at, by name.
//!
//! Kept free of egui (and of clap) so that the command line can name a view for
//! `--screenshot --view NAME` and the window can remember the last one, without either
//! depending on the other.

use std::fmt;
use std::str::FromStr;

/// The part of the app a member is looking at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum View {
    Home,
    Notes,
    Topics,
    Cases,
    Gatherings,
    /// The meeting in progress (meeting mode).
    Now,
    Members,
    Invite,
    Objectives,
    Skills,
    Pulse,
    Search,
    Export,
}

impl View {
    /// Every view, in navigation order, with its label.
    pub const ALL: [(View, &'static str); 13] = [
        (View::Home, "Home"),
        (View::Search, "Search"),
        (View::Notes, "Notes"),
        (View::Topics, "Topics"),
        (View::Cases, "Cases"),
        (View::Gatherings, "Gatherings"),
        (View::Now, "Now"),
        (View::Members, "Members"),
        (View::Skills, "Skills"),
        (View::Objectives, "Objectives"),
        (View::Pulse, "Pulse"),
        (View::Export, "Export"),
        (View::Invite, "Invite"),
    ];

    /// The label shown in the navigation.
    pub fn label(self) -> &'static str {
        View::ALL
            .iter()
            .find(|(view, _)| *view == self)
            .map_or("", |(_, label)| label)
    }
}

/// The view's name as typed on the command line: its label in lower case.
impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label().to_lowercase())
    }
}

impl FromStr for View {
    type Err = String;
    fn from_str(s: &str) -> Result<View, String> {
        View::ALL
            .iter()
            .find(|(_, label)| label.eq_ignore_ascii_case(s.trim()))
            .map(|(view, _)| *view)
            .ok_or_else(|| {
                let names: Vec<_> = View::ALL.iter().map(|(v, _)| v.to_string()).collect();
                format!("'{s}' is not a view (use one of: {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::View;

    #[test]
    fn every_view_reads_back_from_its_name() {
        for (view, label) in View::ALL {
            assert_eq!(view.to_string().parse::<View>(), Ok(view));
            assert_eq!(label.parse::<View>(), Ok(view));
            assert_eq!(view.label(), label);
        }
    }

    #[test]
    fn an_unknown_view_lists_the_names() {
        let err = "garden".parse::<View>().unwrap_err();
        assert!(err.contains("'garden' is not a view"), "{err}");
        assert!(err.contains("home, search, notes"), "{err}");
    }
}
