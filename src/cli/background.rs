//! `copse background` and `copse quit`: this device's choices about running without the window
//! ([`crate::instance`]), and stopping the copse that runs on the data folder. Neither opens the
//! folder, so both work beside the running copse they are about.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;

use super::Cli;
use super::output::Output;
use crate::instance::{Answer, AskError, BackgroundSettings, Request, autostart, socket};

/// How long `copse quit` waits for the running copse to save everything and stop.
const QUIT_PATIENCE: Duration = Duration::from_secs(60);

#[derive(Debug, Args)]
pub struct BackgroundArgs {
    /// Keep syncing in the background when the window is closed.
    #[arg(long, value_name = "on|off", value_parser = super::on_off)]
    keep_syncing: Option<bool>,
    /// Start copse at login, syncing in the background (an XDG autostart entry).
    #[arg(long, value_name = "on|off", value_parser = super::on_off)]
    start_at_login: Option<bool>,
}

pub fn background(cli: &Cli, args: &BackgroundArgs, out: &Output) -> Result<()> {
    let dir = cli.data_dir()?;
    let mut settings = BackgroundSettings::load(&dir);
    if let Some(on) = args.keep_syncing {
        settings.keep_syncing = on;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        settings.save(&dir)?;
    }
    let login_dir = autostart::autostart_dir();
    if let Some(on) = args.start_at_login {
        let login_dir = login_dir
            .as_ref()
            .context("this system has no folder for login programs")?;
        let exe = std::env::current_exe().context("could not find the copse program")?;
        autostart::set(login_dir, &dir, &exe, on)?;
    }
    let at_login = login_dir
        .as_ref()
        .is_some_and(|login_dir| autostart::is_on(login_dir, &dir));
    let running = running(&dir);
    let on_off = |on: bool| if on { "on" } else { "off" };
    out.emit(
        || {
            format!(
                "keep syncing with the window closed: {}\nstart at login: {}\n{}",
                on_off(settings.keep_syncing),
                on_off(at_login),
                running.map_or(
                    "copse is not running on this data folder".to_string(),
                    |a| a.to_string()
                )
            )
        },
        || {
            json!({
                "keep_syncing": settings.keep_syncing,
                "start_at_login": at_login,
                "running": running,
            })
        },
    );
    Ok(())
}

/// How the copse on `dir` runs, if one does.
fn running(dir: &std::path::Path) -> Option<Answer> {
    match socket::ask(dir, Request::State) {
        Ok(answer) => Some(answer),
        Err(AskError::NotRunning) => None,
        Err(e) => {
            tracing::warn!(error = %e, "asking the running copse");
            None
        }
    }
}

pub async fn quit(cli: &Cli, out: &Output) -> Result<()> {
    let dir = cli.data_dir()?;
    let asked = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || socket::ask(&dir, Request::Quit)).await?
    };
    let was_running = match asked {
        Ok(_) => true,
        Err(AskError::NotRunning) => false,
        Err(e) => return Err(e.into()),
    };
    if was_running {
        // The socket goes once everything is saved.
        let started = Instant::now();
        loop {
            let dir = dir.clone();
            let state =
                tokio::task::spawn_blocking(move || socket::ask(&dir, Request::State)).await?;
            if matches!(state, Err(AskError::NotRunning)) {
                break;
            }
            anyhow::ensure!(
                started.elapsed() < QUIT_PATIENCE,
                "copse was asked to stop but is still running after {} s",
                QUIT_PATIENCE.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    out.emit(
        || {
            if was_running {
                "copse saved everything and stopped".to_string()
            } else {
                "copse was not running on this data folder".to_string()
            }
        },
        || json!({ "was_running": was_running, "stopped": true }),
    );
    Ok(())
}
