//! `copse doctor`: a checkup for a member helping another one over the phone. The data folder
//! ([`crate::store::checkup`]), then the listening port, the relays and local discovery, each
//! with a plain verdict and what to do. Exits non-zero when any check found a problem. Opens no
//! [`crate::node::Node`], so it runs beside the app.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::Cli;
use super::output::Output;
use crate::node::Relays;
use crate::store::checkup::{Finding, Verdict, checkup};

/// How long one relay may take to answer a TCP connection.
const RELAY_TIMEOUT: Duration = Duration::from_secs(4);

pub async fn doctor(cli: &Cli, out: &Output) -> Result<()> {
    let dir = cli.data_dir()?;
    let now = cli.clock.now().0;
    let report = tokio::task::spawn_blocking(move || checkup(&dir, now)).await?;
    let mut findings = report.findings;
    findings.push(port(cli, report.remembered_port, report.held_by.is_some()));
    findings.push(relay(&cli.relay).await);
    findings.push(mdns(cli.mdns));

    let problems: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Problem)
        .collect();
    out.emit(
        || findings.iter().map(line).collect::<Vec<_>>().join("\n"),
        || json!({ "healthy": problems.is_empty(), "checks": findings }),
    );
    out.flush();
    match problems.as_slice() {
        [] => Ok(()),
        [one] => Err(anyhow!("{}: {}", one.check, one.says)),
        [first, rest @ ..] => Err(anyhow!(
            "{} problems; the first, {}: {}",
            rest.len() + 1,
            first.check,
            first.says
        )),
    }
}

fn line(finding: &Finding) -> String {
    let verdict = match finding.verdict {
        Verdict::Ok => "ok",
        Verdict::Warning => "warning",
        Verdict::Problem => "PROBLEM",
    };
    let mut text = format!("{verdict:<8} {:<16} {}", finding.check, finding.says);
    if let Some(todo) = &finding.todo {
        text.push_str(&format!("\n{:<25} → {todo}", ""));
    }
    text
}

/// Whether copse can listen where it means to.
fn port(cli: &Cli, remembered: Option<u16>, running: bool) -> Finding {
    const CHECK: &str = "listening port";
    let addr = match (cli.bind, remembered) {
        (Some(bind), _) if bind.port() != 0 => bind,
        (bind, Some(port)) => {
            let mut addr = bind.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
            addr.set_port(port);
            addr
        }
        (_, None) => {
            return Finding::ok(
                CHECK,
                "none chosen yet: copse picks a free port at its first start online",
            );
        }
    };
    match UdpSocket::bind(addr) {
        Ok(_) => Finding::ok(CHECK, format!("UDP {addr} is free for copse")),
        Err(_) if running => Finding::ok(
            CHECK,
            format!("UDP {addr} is in use, by the copse that has this folder open"),
        ),
        Err(e) => Finding::problem(
            CHECK,
            format!("UDP {addr} cannot be used ({e}): another program is listening on it"),
            "close that program; otherwise copse listens on another port, and invites handed \
             out earlier no longer reach this device directly (send new ones)",
        ),
    }
}

/// Whether the relays copse is set to use answer.
async fn relay(relays: &Relays) -> Finding {
    const CHECK: &str = "relay";
    let (what, hosts): (String, Vec<String>) = match relays {
        Relays::Off => {
            return Finding::ok(
                CHECK,
                "off: members are reached on this network or at a known address only",
            );
        }
        Relays::Default => (
            "iroh's public relays".to_string(),
            [
                iroh::defaults::prod::EU_RELAY_HOSTNAME,
                iroh::defaults::prod::NA_EAST_RELAY_HOSTNAME,
                iroh::defaults::prod::NA_WEST_RELAY_HOSTNAME,
                iroh::defaults::prod::AP_RELAY_HOSTNAME,
            ]
            .iter()
            .map(|h| format!("{}:443", h.trim_end_matches('.')))
            .collect(),
        ),
        Relays::Own(url) => {
            let host = url.host_str().unwrap_or_default().to_string();
            let port = url.port_or_known_default().unwrap_or(443);
            (
                format!("the community's relay {url}"),
                vec![format!("{host}:{port}")],
            )
        }
    };
    let mut last_error = String::new();
    for host in &hosts {
        match tokio::time::timeout(RELAY_TIMEOUT, tokio::net::TcpStream::connect(host)).await {
            Ok(Ok(_)) => return Finding::ok(CHECK, format!("{what}: {host} answers")),
            Ok(Err(e)) => last_error = format!("{host}: {e}"),
            Err(_) => last_error = format!("{host}: no answer in {}s", RELAY_TIMEOUT.as_secs()),
        }
    }
    Finding::problem(
        CHECK,
        format!("{what} cannot be reached ({last_error})"),
        "check the internet connection; members on the same network still sync. With the \
         community's own relay, check its URL with whoever runs it",
    )
}

fn mdns(on: bool) -> Finding {
    const CHECK: &str = "local discovery";
    if on {
        Finding::ok(
            CHECK,
            "on: members on the same network are found by mDNS (some guest Wi-Fi blocks it; \
             then invites and relays still work)",
        )
    } else {
        Finding::warning(
            CHECK,
            "off (--mdns off): members on the same network are not found by themselves",
            "leave out --mdns off (and COPSE_MDNS) to find them",
        )
    }
}
