//! The node's iroh endpoint: this device's key, where it listens, relays on or off, and how it
//! finds members' devices (remembered addresses, invites, mDNS on the local network).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::presets;
use iroh::{Endpoint, EndpointAddr, RelayMode, SecretKey};
use iroh_mdns_address_lookup::MdnsAddressLookup;

/// mDNS service name: copse devices only answer each other.
pub const MDNS_SERVICE: &str = "copse1";

/// How the node takes part in the network.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Use iroh's public relays (needed across the internet). Off for LAN-only use and tests.
    pub relay: bool,
    /// Find members on the local network by mDNS.
    pub mdns: bool,
    /// The address to listen on; port 0 picks one.
    pub bind: SocketAddr,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            relay: true,
            mdns: true,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        }
    }
}

impl NetConfig {
    /// Loopback only, no relays, no mDNS: for tests.
    pub fn loopback() -> NetConfig {
        NetConfig {
            relay: false,
            mdns: false,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        }
    }
}

/// The bound endpoint and the address book it consults.
pub struct BoundEndpoint {
    pub endpoint: Endpoint,
    /// Addresses learned from invites and remembered from earlier sessions.
    pub addresses: MemoryLookup,
    pub mdns: Option<MdnsAddressLookup>,
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
    let relay = if config.relay {
        RelayMode::Default
    } else {
        RelayMode::Disabled
    };
    let builder = Endpoint::builder(presets::Minimal)
        .secret_key(key)
        .relay_mode(relay)
        .address_lookup(addresses.clone())
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
    Ok(BoundEndpoint {
        endpoint,
        addresses,
        mdns,
    })
}

/// This device's address as others should dial it: its id, direct addresses and relay.
pub fn own_address(endpoint: &Endpoint) -> EndpointAddr {
    let mut addr = endpoint.addr();
    if addr.addrs.is_empty() {
        for socket in endpoint.bound_sockets() {
            addr = addr.with_ip_addr(socket);
        }
    }
    addr
}
