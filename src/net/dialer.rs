//! Dialing a member's device for sync: samod's [`Dialer`] over iroh. samod reconnects with
//! backoff; each connection is bound to the endpoint id we dialed, and is handed to samod only
//! while that device is still on a roster: a dial that was under way when its member was
//! removed ends there.

use futures::future::BoxFuture;
use iroh::{Endpoint, EndpointId};
use samod::{DialError, Dialer, Transport};

use std::time::Duration;

use iroh::endpoint::{ConnectOptions, QuicTransportConfig};

use super::access::Access;
use super::transport::{Link, open};
use super::versions::{Gap, VERSIONS_ALPN};

/// A sync connection with nothing heard for this long is lost: the status bar stops counting
/// the device as connected and samod redials. QUIC's default (30 s) left a cut link looking
/// connected for half a minute. The dialing side's value holds for both ends (QUIC takes the
/// smaller of the two).
pub const SYNC_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Keep-alives on a sync connection, well inside the idle timeout, so a quiet but live
/// connection is never taken for lost (a few dozen bytes a second).
const SYNC_KEEP_ALIVE: Duration = Duration::from_secs(1);

/// Dials one device by endpoint id; its address comes from the endpoint's address lookup
/// (remembered addresses, invites, mDNS on the LAN, or relays).
pub struct DeviceDialer {
    pub endpoint: Endpoint,
    pub device: EndpointId,
    pub link: Link,
    /// Who may sync: checked once the connection is up, since closing a dialer does not stop
    /// a connection attempt already under way.
    pub access: Access,
}

/// Why a dial failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DialFailed(String);

impl Dialer for DeviceDialer {
    type Error = DialFailed;

    #[expect(clippy::expect_used, reason = "a constant URL, checked by the tests")]
    fn url(&self) -> samod::Url {
        // An endpoint id is hex, always a valid host, so the constant fallback is never used.
        samod::Url::parse(&format!("iroh://{}", self.device))
            .unwrap_or_else(|_| samod::Url::parse("iroh://device").expect("a constant URL parses"))
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let endpoint = self.endpoint.clone();
        let device = self.device;
        let link = self.link.clone();
        let access = self.access.clone();
        Box::pin(async move {
            let transient = |e: String| DialError::transient(DialFailed(e));
            // Offering `copse/versions` too: a device that does not speak our sync version
            // settles on that instead, and says which versions it speaks.
            let idle = SYNC_IDLE_TIMEOUT
                .try_into()
                .map_err(|e| transient(format!("{e}")))?;
            let config = QuicTransportConfig::builder()
                .keep_alive_interval(SYNC_KEEP_ALIVE)
                .max_idle_timeout(Some(idle))
                .build();
            let options = ConnectOptions::new()
                .with_additional_alpns(vec![VERSIONS_ALPN.to_vec()])
                .with_transport_config(config);
            let conn = endpoint
                .connect_with_opts(device, &link.versions.sync_alpn(), options)
                .await
                .map_err(|e| transient(e.to_string()))?
                .await
                .map_err(|e| transient(e.to_string()))?;
            if !access.knows(&device.to_string()) {
                conn.close(0u32.into(), b"no longer a member");
                return Err(transient("the device is no longer on any roster".into()));
            }
            if conn.alpn() == VERSIONS_ALPN {
                let why = match link.versions.ask(&conn).await {
                    Ok(Some(Gap::Newer)) => "the device runs a newer copse".to_string(),
                    Ok(Some(Gap::Older)) => "the device runs an older copse".to_string(),
                    Ok(None) => "the device offered no sync protocol".to_string(),
                    Err(e) => e,
                };
                return Err(transient(why));
            }
            link.versions.synced(&device.to_string());
            let (send, recv) = conn.open_bi().await.map_err(|e| transient(e.to_string()))?;
            let (transport, ended) = match open(send, recv, conn.remote_id(), &link).await {
                Ok(opened) => opened,
                Err(e) => {
                    conn.close(0u32.into(), b"no usable summary");
                    return Err(transient(e.to_string()));
                }
            };
            // Close our side too once samod is done with this connection.
            tokio::spawn(async move {
                tokio::select! {
                    _ = ended.wait() => conn.close(0u32.into(), b"done"),
                    _ = conn.closed() => {}
                }
            });
            Ok(transport)
        })
    }
}
