//! The real window, under Xvfb: `copse --screenshot` on a fresh data folder comes up and draws
//! something (a PNG that is not one flat colour). CI installs Xvfb; elsewhere, without
//! `xvfb-run`, the test says so and does nothing.

use std::collections::HashSet;
use std::process::Command;

use crate::util::Folder;

/// Whether `xvfb-run` is here for `test` to run under; CI must have it (scripts/test installs
/// it), elsewhere the test says it did not run.
pub(crate) fn has_xvfb(test: &str) -> bool {
    let here = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !here {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have xvfb-run (scripts/test installs it)"
        );
        eprintln!("{test} needs xvfb-run; not run");
    }
    here
}

/// Distinct colours in a PNG (sampled), and its size.
fn colours(path: &std::path::Path) -> (usize, (u32, u32)) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let pixels: HashSet<&[u8]> = buf[..info.buffer_size()].chunks(4).step_by(7).collect();
    (pixels.len(), (info.width, info.height))
}

#[test]
fn the_window_comes_up_and_draws_the_first_run_screen() {
    if !has_xvfb("the_window_comes_up_and_draws_the_first_run_screen") {
        return;
    }
    let f = Folder::new();
    let shot = f.path().join("first-run.png");
    let out = Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1100x720x24",
            env!("CARGO_BIN_EXE_copse"),
            "--data-dir",
        ])
        .arg(f.path())
        .args(["--relay", "off", "--mdns", "off", "--screenshot"])
        .arg(&shot)
        .env_remove("COPSE_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "copse --screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (distinct, (w, h)) = colours(&shot);
    assert!(w >= 640 && h >= 420, "a real window size: {w}x{h}");
    assert!(distinct > 3, "the screenshot is blank ({distinct} colours)");

    // Window size, the last view and the theme preference are kept beside the data.
    let state = std::fs::read_to_string(f.path().join("window.ron")).unwrap();
    assert!(state.contains("\"copse.view\": \"Home\""), "{state}");
    assert!(state.contains("inner_size_points"), "{state}");
    assert!(state.contains("theme_preference:System"), "{state}");
}
