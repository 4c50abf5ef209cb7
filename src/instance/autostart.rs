//! *Start at login*: an XDG autostart entry (`~/.config/autostart/copse-….desktop`, or under
//! `$XDG_CONFIG_HOME`) that starts copse in the background on one data folder when the member
//! logs in. The entry's existence is the setting: there is no second copy of it to disagree.
//! Desktops that do not read XDG autostart entries ignore it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::BACKGROUND_FLAG;

/// The folder login entries go in: `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`.
pub fn autostart_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.config_dir().join("autostart"))
}

/// The login entry for the data folder `data_dir` (one per folder: a member may keep two).
pub fn entry_path(autostart_dir: &Path, data_dir: &Path) -> PathBuf {
    let digest = Sha256::digest(absolute(data_dir).as_os_str().as_encoded_bytes());
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    autostart_dir.join(format!("copse-{short}.desktop"))
}

/// Whether copse starts in the background at login on `data_dir`.
pub fn is_on(autostart_dir: &Path, data_dir: &Path) -> bool {
    entry_path(autostart_dir, data_dir).is_file()
}

/// Turns starting at login on (writing the entry for the program `exe`) or off (removing it).
pub fn set(autostart_dir: &Path, data_dir: &Path, exe: &Path, on: bool) -> Result<()> {
    let path = entry_path(autostart_dir, data_dir);
    if !on {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("could not remove {}", path.display()))
            }
            _ => Ok(()),
        };
    }
    let text = entry(exe, data_dir)?;
    std::fs::create_dir_all(autostart_dir)
        .with_context(|| format!("could not create {}", autostart_dir.display()))?;
    let temporary = path.with_extension("desktop.new");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, &path))
        .with_context(|| format!("could not write {}", path.display()))
}

/// The entry's text: copse, in the background, on this folder.
fn entry(exe: &Path, data_dir: &Path) -> Result<String> {
    let exec = [
        quoted(exe)?,
        BACKGROUND_FLAG.to_string(),
        "--data-dir".to_string(),
        quoted(&absolute(data_dir))?,
    ]
    .join(" ");
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=copse (background sync)\n\
         Comment=Keeps your communities syncing with members while the window is closed\n\
         Exec={exec}\n\
         Icon=copse\n\
         Terminal=false\n\
         NoDisplay=true\n\
         X-GNOME-Autostart-enabled=true\n"
    ))
}

/// A path as one argument of a desktop entry's `Exec`: in double quotes, with the spec's
/// escapes (the quoting rule, then the string rule that doubles backslashes; `%` as `%%`).
fn quoted(path: &Path) -> Result<String> {
    let Some(text) = path.to_str() else {
        bail!("the path {} is not valid text", path.display());
    };
    if text.contains(['\n', '\r']) {
        bail!("the path {} has a line break", path.display());
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '\\' => out.push_str("\\\\\\\\"),
            '%' => out.push_str("%%"),
            _ => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turning_it_on_writes_an_entry_that_starts_copse_in_the_background_on_this_folder() {
        let config = tempfile::tempdir().unwrap();
        let autostart = config.path().join("autostart");
        let data = Path::new("/home/ada/my copse");
        assert!(!is_on(&autostart, data));
        set(&autostart, data, Path::new("/usr/bin/copse"), true).unwrap();
        assert!(is_on(&autostart, data));
        let text = std::fs::read_to_string(entry_path(&autostart, data)).unwrap();
        assert!(
            text.contains(
                "Exec=\"/usr/bin/copse\" --background --data-dir \"/home/ada/my copse\"\n"
            ),
            "{text}"
        );
        assert!(
            !is_on(&autostart, Path::new("/home/ada/other")),
            "one entry per folder"
        );
        set(&autostart, data, Path::new("/usr/bin/copse"), false).unwrap();
        assert!(!is_on(&autostart, data));
        // Turning off what is off is fine.
        set(&autostart, data, Path::new("/usr/bin/copse"), false).unwrap();
    }

    #[test]
    fn awkward_characters_in_paths_are_escaped_and_line_breaks_refused() {
        assert_eq!(
            quoted(Path::new("/a \"b\" $c 100%")).unwrap(),
            "\"/a \\\\\"b\\\\\" \\\\$c 100%%\""
        );
        assert!(quoted(Path::new("/a\nb")).is_err());
    }
}
