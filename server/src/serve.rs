//! The accept loop: every connection is bounded in number, in the time it
//! may take to send a request head, and in how long it may sit with nothing
//! moving either way — so a stranger holding sockets open cannot exhaust
//! the process's file descriptors and take the node down for everyone.
//!
//! axum's own `serve` gives hyper no timer (so hyper's header-read timeout
//! never fires) and accepts without limit; this loop drives hyper's HTTP/1
//! connection directly, mini-redis style: a permit from a semaphore before
//! each accept, released when the connection ends.
//!
//! One client may hold only part of those permits ([`ClientKey`]: an IPv4
//! address, or an IPv6 /64, what one subscriber is given): a connection over
//! its client's share is answered 503 at once and closed, so one address
//! holding half-sent requests cannot keep everyone else in the listen queue
//! until the header timeout frees a slot.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The bounds on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time to send a request line and headers (and the most an idle
    /// keep-alive connection waits for its next request).
    pub header_timeout: Duration,
    /// Longest time with no byte moving in either direction.
    pub idle_timeout: Duration,
    /// Most connections at once.
    pub max_connections: usize,
    /// Most connections at once from one client ([`ClientKey`]); 0: no
    /// per-client cap (behind a reverse proxy every client is the proxy).
    pub max_connections_per_client: usize,
}

/// A client as the per-client connection cap counts it: one IPv4 address,
/// or one IPv6 /64 (a subscriber gets a /64 or more, so counting single
/// IPv6 addresses would give each attacker 2^64 shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An IPv4 client (also one seen as an IPv4-mapped IPv6 address).
    V4(Ipv4Addr),
    /// The upper 64 bits of an IPv6 client's address.
    V6Prefix(u64),
}

impl ClientKey {
    /// The client `ip` is counted as.
    pub fn of(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(v4),
                None => ClientKey::V6Prefix((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// Open connections per client.
struct PerClient {
    cap: usize,
    open: Mutex<HashMap<ClientKey, usize>>,
}

/// One client's claim on a connection; given back when dropped.
struct ClientSlot {
    table: Arc<PerClient>,
    key: ClientKey,
}

impl PerClient {
    /// `None` when `key` already holds its cap; otherwise its slot (`Some(None)`
    /// when no per-client cap is kept).
    fn claim(table: &Arc<PerClient>, key: ClientKey) -> Option<Option<ClientSlot>> {
        if table.cap == 0 {
            return Some(None);
        }
        let mut open = table.open.lock().unwrap_or_else(|e| e.into_inner());
        let held = open.entry(key).or_insert(0);
        if *held >= table.cap {
            return None;
        }
        *held += 1;
        Some(Some(ClientSlot {
            table: table.clone(),
            key,
        }))
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = open.get_mut(&self.key) {
            *held -= 1;
            if *held == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// What a connection over its client's cap is told before it is closed
/// (written without reading its request: it costs the node nothing more).
fn over_cap_response() -> Vec<u8> {
    let body = r#"{"error":{"code":"too_many_connections","message":"this address already holds as many connections as one client may; close some, or retry in a moment"}}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// How long in-flight connections get to finish after shutdown is asked.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves `router` on `listener` until `shutdown` completes, then lets open
/// connections finish their requests (at most [`DRAIN_TIMEOUT`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max));
    let per_client = Arc::new(PerClient {
        cap: limits.max_connections_per_client,
        open: Mutex::new(HashMap::new()),
    });
    let over_cap = over_cap_response();
    // Dropping the sender tells every connection to finish and close.
    let (stop, stopped) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE and friends: wait a moment rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = PerClient::claim(&per_client, ClientKey::of(peer.ip())) else {
            // Over its share: told so if its socket takes the bytes now,
            // then closed; the permit goes back at once.
            let _ = stream.try_write(&over_cap);
            tracing::debug!(%peer, "connection over the per-client cap refused");
            drop(stream);
            drop(permit);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().oneshot(request)
                });
            let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(io, service);
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                }
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(slot);
            drop(permit);
        });
    }
    drop(stop);
    // Every permit back means every connection has finished.
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, permits.acquire_many(max as u32)).await;
    Ok(())
}

/// A stream that fails with `TimedOut` once nothing has been read or
/// written for `idle`. The timer is re-armed lazily: activity only records
/// the time, and the sleep is moved forward when it fires early.
struct IdleTimeout<S> {
    inner: S,
    idle: Duration,
    last_activity: Instant,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, idle: Duration) -> Self {
        let now = Instant::now();
        Self {
            inner,
            idle,
            last_activity: now,
            deadline: Box::pin(tokio::time::sleep_until(now + idle)),
        }
    }

    fn touch(&mut self) {
        self.last_activity = Instant::now();
    }

    /// A write's outcome: progress resets the clock; no progress may be the
    /// end of the connection's patience.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match poll {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    self.touch();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.expired(cx).map(Err),
        }
    }

    /// Ready with an error when the connection has been idle too long.
    fn expired(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            if self.deadline.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let due = self.last_activity + self.idle;
            if due <= Instant::now() {
                return Poll::Ready(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle for too long",
                ));
            }
            self.deadline.as_mut().reset(due);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.touch();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.expired(cx).map(Err),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(cx, poll)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.expired(cx).map(Err),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| ClientKey::of(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
    }

    #[test]
    fn a_client_gets_its_cap_and_slots_come_back_when_dropped() {
        let table = Arc::new(PerClient {
            cap: 2,
            open: Mutex::new(HashMap::new()),
        });
        let a = ClientKey::of("192.0.2.1".parse().unwrap());
        let b = ClientKey::of("192.0.2.2".parse().unwrap());
        let first = PerClient::claim(&table, a).unwrap();
        let _second = PerClient::claim(&table, a).unwrap();
        assert!(
            PerClient::claim(&table, a).is_none(),
            "a third for one client"
        );
        assert!(
            PerClient::claim(&table, b).is_some(),
            "another client waits"
        );
        drop(first);
        assert!(PerClient::claim(&table, a).is_some());
        let unlimited = Arc::new(PerClient {
            cap: 0,
            open: Mutex::new(HashMap::new()),
        });
        assert!((0..10).all(|_| PerClient::claim(&unlimited, a).is_some()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_stream_times_out_and_a_busy_one_does_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut server = IdleTimeout::new(server, Duration::from_secs(5));
        let mut client = client;
        // Activity every 3 s keeps it open past 5 s.
        for _ in 0..3 {
            tokio::time::advance(Duration::from_secs(3)).await;
            client.write_all(b"x").await.unwrap();
            let mut one = [0u8; 1];
            server.read_exact(&mut one).await.unwrap();
        }
        // Then silence: the read fails after 5 s.
        let mut buf = [0u8; 1];
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
