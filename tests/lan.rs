//! LAN discovery: two `copse` processes in two network namespaces joined by a veth pair find
//! each other by mDNS, with no address given or remembered, and sync.
//!
//! Needs root (to make namespaces), as CI has; elsewhere it says so and does nothing.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{Folder, ids, is_root};

const LOOPBACK: [&str; 6] = ["--relay", "off", "--mdns", "off", "--bind", "127.0.0.1:0"];

/// Two namespaces joined by a veth pair with multicast on; removed on drop.
struct Lan {
    a: String,
    b: String,
}

impl Lan {
    fn new() -> Lan {
        let tag = std::process::id() % 10_000;
        let lan = Lan {
            a: format!("copse-a{tag}"),
            b: format!("copse-b{tag}"),
        };
        let (va, vb) = (format!("cva{tag}"), format!("cvb{tag}"));
        let subnet = format!("10.{}.{}", 100 + tag / 250 % 100, tag % 250);
        let steps: Vec<Vec<String>> = vec![
            vec!["netns", "add", &lan.a]
                .into_iter()
                .map(String::from)
                .collect(),
            vec!["netns", "add", &lan.b]
                .into_iter()
                .map(String::from)
                .collect(),
            vec!["link", "add", &va, "type", "veth", "peer", "name", &vb]
                .into_iter()
                .map(String::from)
                .collect(),
            vec!["link", "set", &va, "netns", &lan.a]
                .into_iter()
                .map(String::from)
                .collect(),
            vec!["link", "set", &vb, "netns", &lan.b]
                .into_iter()
                .map(String::from)
                .collect(),
        ];
        for step in steps {
            run_ip(&step);
        }
        for (ns, dev, host) in [(&lan.a, &va, 1), (&lan.b, &vb, 2)] {
            let addr = format!("{subnet}.{host}/24");
            for step in [
                vec!["-n", ns, "addr", "add", &addr, "dev", dev],
                vec!["-n", ns, "link", "set", dev, "up", "multicast", "on"],
                vec!["-n", ns, "link", "set", "lo", "up"],
                vec!["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev],
            ] {
                run_ip(&step.into_iter().map(String::from).collect::<Vec<_>>());
            }
        }
        lan
    }

    /// `copse` inside namespace `ns`, on `folder`, relays off and mDNS on.
    fn copse(&self, ns: &str, folder: &Folder, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args([
            "netns",
            "exec",
            ns,
            env!("CARGO_BIN_EXE_copse"),
            "--data-dir",
        ])
        .arg(folder.path())
        .args(["--relay", "off", "--mdns", "on"])
        .args(args)
        .env_remove("COPSE_DATA_DIR")
        .stdin(Stdio::null());
        cmd
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

pub(crate) fn run_ip(args: &[String]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("iproute2 (ip) is installed");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Forgets every remembered member address, so only discovery can find them.
fn forget_addresses(folder: &Folder) {
    let db = rusqlite::Connection::open(folder.db()).unwrap();
    db.execute("DELETE FROM local WHERE key LIKE 'addr/%'", [])
        .unwrap();
}

#[test]
fn members_on_one_lan_find_each_other_by_mdns_and_sync() {
    if !is_root() {
        eprintln!(
            "members_on_one_lan_find_each_other_by_mdns_and_sync needs root for network namespaces; not run"
        );
        return;
    }
    // Ada and Bob become members over loopback first.
    let ada = Folder::with_community();
    let mut invite_args = vec!["--json", "invite"];
    invite_args.extend_from_slice(&LOOPBACK);
    let invite: serde_json::Value = serde_json::from_str(&ada.ok(&invite_args)).unwrap();
    let ticket = invite["ticket"].as_str().unwrap().to_string();
    let mut serve_args = vec!["serve"];
    serve_args.extend_from_slice(&LOOPBACK);
    let mut server = ada
        .command(&serve_args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let bob = Folder::new();
    let mut join_args = vec!["join", &ticket, "--me", "Bob"];
    join_args.extend_from_slice(&LOOPBACK);
    let mut joined = false;
    for _ in 0..100 {
        if bob.run(&join_args).status.success() {
            joined = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(joined, "Bob joined over loopback");

    // Now on a LAN with no addresses: Ada serves in one namespace, Bob syncs from the other.
    let note = ada.ok(&[
        "note",
        "add",
        "--title",
        "Found by mDNS",
        "--body",
        "hello LAN",
    ]);
    forget_addresses(&ada);
    forget_addresses(&bob);
    let lan = Lan::new();
    let mut server = lan
        .copse(&lan.a, &ada, &["--bind", "0.0.0.0:0", "serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = lan
        .copse(
            &lan.b,
            &bob,
            &["--bind", "0.0.0.0:0", "sync", "--timeout", "40"],
        )
        .output()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "sync over the LAN failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        ids(&bob.json(&["note", "list"])).contains(&note),
        "Bob received Ada's note"
    );
}
