//! The node's iroh endpoint: this device's key, where it listens, which relays it uses (iroh's,
//! none, or a community's own), and how it finds members' devices (remembered addresses,
//! invites, mDNS on the local network).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::{PortmapperConfig, presets};
use iroh::{Endpoint, EndpointAddr, RelayMode, RelayUrl, SecretKey};
use iroh_mdns_address_lookup::MdnsAddressLookup;

/// mDNS service name: copse devices only answer each other.
pub const MDNS_SERVICE: &str = "copse1";

/// Which relays carry traffic between members who cannot reach each other directly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Relays {
    /// iroh's public relays, run by n0 (`on`).
    #[default]
    Default,
    /// None: direct addresses and the local network only (`off`).
    Off,
    /// The community's own relay (an `https://` or `http://` URL).
    Own(RelayUrl),
}

/// Why a `--relay` value was refused, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not on, off or a relay URL such as https://relay.example.org: {reason}")]
pub struct RelaysError {
    given: String,
    reason: String,
}

impl FromStr for Relays {
    type Err = RelaysError;

    /// `on`, `off` (and their synonyms), or the URL of a relay.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s.trim();
        match given.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => return Ok(Relays::Default),
            "off" | "false" | "0" | "no" => return Ok(Relays::Off),
            _ => {}
        }
        let refuse = |reason: &str| RelaysError {
            given: given.to_string(),
            reason: reason.to_string(),
        };
        if !given.contains("://") {
            return Err(refuse("a relay URL starts with https://"));
        }
        // Parsed as a plain URL first: iroh's own error is a bare "failed to parse", the URL
        // parser's says what is wrong (samod's `Url` is the `url` crate iroh uses too).
        let url = RelayUrl::from(samod::Url::parse(given).map_err(|e| refuse(&e.to_string()))?);
        if !matches!(url.scheme(), "https" | "http") {
            return Err(refuse("a relay URL starts with https:// (or http://)"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refuse("the URL names no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(refuse("a relay URL has no ?query or #fragment"));
        }
        Ok(Relays::Own(url))
    }
}

impl fmt::Display for Relays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Relays::Default => f.write_str("on"),
            Relays::Off => f.write_str("off"),
            Relays::Own(url) => write!(f, "{url}"),
        }
    }
}

/// How the node takes part in the network.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Which relays to use (needed across the internet). Off for LAN-only use and tests.
    pub relay: Relays,
    /// Find members on the local network by mDNS.
    pub mdns: bool,
    /// The address to listen on; port 0 picks one.
    pub bind: SocketAddr,
    /// Accept any certificate from a relay: tests run a relay with a self-signed one.
    #[cfg(feature = "test-support")]
    pub trust_any_relay_certificate: bool,
    /// Speak this sync protocol version instead of this copse's: a test's stand-in for a
    /// newer (or older) copse.
    #[cfg(feature = "test-support")]
    pub pretend_sync_version: Option<u32>,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            relay: Relays::Default,
            mdns: true,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            #[cfg(feature = "test-support")]
            trust_any_relay_certificate: false,
            #[cfg(feature = "test-support")]
            pretend_sync_version: None,
        }
    }
}

impl NetConfig {
    /// The sync protocol version this node speaks.
    pub fn sync_version(&self) -> u32 {
        #[cfg(feature = "test-support")]
        if let Some(version) = self.pretend_sync_version {
            return version;
        }
        super::versions::SYNC_VERSION
    }

    /// Loopback only, no relays, no mDNS: for tests.
    pub fn loopback() -> NetConfig {
        NetConfig {
            relay: Relays::Off,
            mdns: false,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            #[cfg(feature = "test-support")]
            trust_any_relay_certificate: false,
            #[cfg(feature = "test-support")]
            pretend_sync_version: None,
        }
    }
}

/// The bound endpoint and the address book it consults.
pub struct BoundEndpoint {
    pub endpoint: Endpoint,
    /// Addresses learned from invites and remembered from earlier sessions.
    pub addresses: MemoryLookup,
    pub mdns: Option<MdnsAddressLookup>,
    /// The community's own relay, when configured: every address we hand out names it.
    pub own_relay: Option<RelayUrl>,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("local network discovery could not start: {0}")]
    Mdns(String),
}

/// Binds the endpoint with this device's key.
pub async fn bind(key: SecretKey, config: &NetConfig) -> Result<BoundEndpoint, EndpointError> {
    let bind_error = |reason: String| EndpointError::Bind {
        addr: config.bind,
        reason,
    };
    let addresses = MemoryLookup::new();
    let relay = match &config.relay {
        Relays::Default => RelayMode::Default,
        Relays::Off => RelayMode::Disabled,
        Relays::Own(url) => RelayMode::custom([url.clone()]),
    };
    let mut builder = Endpoint::builder(presets::Minimal)
        .secret_key(key)
        .relay_mode(relay)
        .address_lookup(addresses.clone());
    if config.bind.ip().is_loopback() {
        // Loopback means this one socket: without clearing, iroh would also listen on every
        // interface of the other address family. And there is no router to open a port on;
        // probing the gateway would send traffic off this machine.
        builder = builder
            .clear_ip_transports()
            .portmapper_config(PortmapperConfig::Disabled);
    }
    #[cfg(feature = "test-support")]
    if config.trust_any_relay_certificate {
        builder = builder.ca_tls_config(iroh::tls::CaTlsConfig::insecure_skip_verify());
    }
    let builder = builder
        .bind_addr(config.bind)
        .map_err(|e| bind_error(e.to_string()))?;
    let endpoint = builder
        .bind()
        .await
        .map_err(|e| bind_error(e.to_string()))?;
    let mdns = if config.mdns {
        let mdns = MdnsAddressLookup::builder()
            .service_name(MDNS_SERVICE)
            .build(endpoint.id())
            .map_err(|e| EndpointError::Mdns(e.to_string()))?;
        if let Ok(services) = endpoint.address_lookup() {
            services.add(mdns.clone());
        }
        Some(mdns)
    } else {
        None
    };
    let own_relay = match &config.relay {
        Relays::Own(url) => Some(url.clone()),
        Relays::Default | Relays::Off => None,
    };
    Ok(BoundEndpoint {
        endpoint,
        addresses,
        mdns,
        own_relay,
    })
}

/// This device's address as others should dial it: its id, direct addresses and relay.
///
/// The community's own relay is named even before the endpoint has connected to it, so an
/// invite made right after starting still lets the newcomer reach us through it.
pub fn own_address(bound: &BoundEndpoint) -> EndpointAddr {
    let endpoint = &bound.endpoint;
    let mut addr = endpoint.addr();
    if addr.ip_addrs().next().is_none() {
        for socket in endpoint.bound_sockets() {
            addr = addr.with_ip_addr(socket);
        }
    }
    if let Some(url) = &bound.own_relay
        && addr.relay_urls().next().is_none()
    {
        addr = addr.with_relay_url(url.clone());
    }
    addr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_off_and_a_url_are_the_three_forms() {
        for on in ["on", "ON", " yes ", "true", "1"] {
            assert_eq!(on.parse::<Relays>(), Ok(Relays::Default), "{on:?}");
        }
        for off in ["off", "Off", "no", "false", "0"] {
            assert_eq!(off.parse::<Relays>(), Ok(Relays::Off), "{off:?}");
        }
        let own: Relays = "https://relay.example.org".parse().unwrap();
        let Relays::Own(url) = &own else {
            panic!("not a URL: {own:?}");
        };
        assert_eq!(url.host_str(), Some("relay.example.org"));
        assert_eq!(own.to_string().parse::<Relays>(), Ok(own.clone()));
        let local: Relays = "http://127.0.0.1:3340".parse().unwrap();
        assert!(matches!(local, Relays::Own(_)), "{local:?}");
    }

    #[test]
    fn a_malformed_relay_url_is_refused_in_plain_words() {
        let cases = [
            ("maybe", "starts with https://"),
            ("relay.example.org", "starts with https://"),
            ("ftp://relay.example.org", "starts with https://"),
            ("https://", "empty host"),
            ("https://exa mple.org", "invalid"),
            ("https://relay.example.org:99999", "invalid port"),
            ("https://relay.example.org/?a=1", "no ?query"),
        ];
        for (given, reason) in cases {
            let err = given.parse::<Relays>().unwrap_err().to_string();
            assert!(
                err.contains(&format!("'{given}' is not on, off or a relay URL")),
                "{given:?}: {err}"
            );
            assert!(err.contains(reason), "{given:?}: {err}");
        }
    }
}
