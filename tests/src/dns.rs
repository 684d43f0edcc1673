//! A small authoritative DNS server for tests, built on hickory-proto's
//! message codec: real DNS over UDP and TCP on loopback, answering from a
//! table the test edits while nodes are running (key rotation, revocation).
//! NXDOMAIN for names with nothing at or below them; NOERROR with no answers
//! for names that exist without records of the asked type. A `*` label
//! answers for names with nothing of their own below its parent (RFC 4592,
//! simplified). Names under a domain set [`unreachable`](TestDns::set_unreachable)
//! get no answer at all: their servers are down.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{MX, PTR, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// Records by (name, type), each set with its TTL in seconds.
type Table = Arc<RwLock<HashMap<(String, RecordType), (u32, Vec<RData>)>>>;
/// Domains whose names get no answer.
type Down = Arc<RwLock<Vec<String>>>;

/// The TTL of records set without one.
pub const DEFAULT_TTL: u32 = 60;

/// The server; it stops when dropped.
pub struct TestDns {
    addr: SocketAddr,
    table: Table,
    down: Down,
    /// Queries answered so far.
    queries: Arc<std::sync::atomic::AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl TestDns {
    /// Binds UDP and TCP on the same loopback port.
    pub async fn start() -> Self {
        let table: Table = Arc::default();
        let down: Down = Arc::default();
        let queries: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let (udp, tcp) = loop {
            let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
            if let Ok(tcp) = TcpListener::bind(udp.local_addr().unwrap()).await {
                break (udp, tcp);
            }
        };
        let addr = udp.local_addr().unwrap();
        let udp_task = tokio::spawn({
            let table = table.clone();
            let down = down.clone();
            let queries = queries.clone();
            async move {
                let mut buf = vec![0u8; 4096];
                while let Ok((len, peer)) = udp.recv_from(&mut buf).await {
                    queries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if let Some(answer) = respond(&table, &down, &buf[..len]) {
                        let _ = udp.send_to(&answer, peer).await;
                    }
                }
            }
        });
        let tcp_task = tokio::spawn({
            let table = table.clone();
            let down = down.clone();
            let queries = queries.clone();
            async move {
                while let Ok((mut stream, _)) = tcp.accept().await {
                    let table = table.clone();
                    let down = down.clone();
                    let queries = queries.clone();
                    tokio::spawn(async move {
                        loop {
                            let Ok(len) = stream.read_u16().await else {
                                return;
                            };
                            let mut buf = vec![0u8; len as usize];
                            if stream.read_exact(&mut buf).await.is_err() {
                                return;
                            }
                            queries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            let Some(answer) = respond(&table, &down, &buf) else {
                                return;
                            };
                            if stream.write_u16(answer.len() as u16).await.is_err()
                                || stream.write_all(&answer).await.is_err()
                            {
                                return;
                            }
                        }
                    });
                }
            }
        });
        Self {
            addr,
            table,
            down,
            queries,
            tasks: vec![udp_task, tcp_task],
        }
    }

    /// How many queries the server has answered (UDP and TCP).
    pub fn queries(&self) -> usize {
        self.queries.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `IP:PORT`, for `dixd --dns`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the records of `rtype` at `name` (TTL [`DEFAULT_TTL`]).
    pub fn set(&self, name: &str, rtype: RecordType, data: Vec<RData>) {
        self.set_with_ttl(name, rtype, data, DEFAULT_TTL);
    }

    /// Replaces the records of `rtype` at `name`, served with `ttl` seconds.
    pub fn set_with_ttl(&self, name: &str, rtype: RecordType, data: Vec<RData>, ttl: u32) {
        self.table
            .write()
            .unwrap()
            .insert((key(name), rtype), (ttl, data));
    }

    /// Makes every name at or under `domain` go unanswered (`true`: its
    /// servers are down: a resolver times out), or answered again.
    pub fn set_unreachable(&self, domain: &str, down: bool) {
        let mut list = self.down.write().unwrap();
        list.retain(|d| *d != key(domain));
        if down {
            list.push(key(domain));
        }
    }

    /// Removes the records of `rtype` at `name`.
    pub fn remove(&self, name: &str, rtype: RecordType) {
        self.table.write().unwrap().remove(&(key(name), rtype));
    }

    /// TXT records, one per text.
    pub fn set_txt(&self, name: &str, texts: &[&str]) {
        self.set_txt_with_ttl(name, texts, DEFAULT_TTL);
    }

    /// TXT records served with `ttl` seconds.
    pub fn set_txt_with_ttl(&self, name: &str, texts: &[&str], ttl: u32) {
        self.set_with_ttl(
            name,
            RecordType::TXT,
            texts
                .iter()
                .map(|t| RData::TXT(TXT::new(vec![t.to_string()])))
                .collect(),
            ttl,
        );
    }

    /// MX records.
    pub fn set_mx(&self, name: &str, hosts: &[&str]) {
        let data = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                RData::MX(MX::new(
                    10 * (i as u16 + 1),
                    Name::from_ascii(format!("{h}.")).unwrap(),
                ))
            })
            .collect();
        self.set(name, RecordType::MX, data);
    }

    /// A PTR record for `ip`.
    pub fn set_ptr(&self, ip: IpAddr, host: &str) {
        let name = Name::from(ip).to_ascii();
        self.set(
            &name,
            RecordType::PTR,
            vec![RData::PTR(PTR(
                Name::from_ascii(format!("{host}.")).unwrap()
            ))],
        );
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn respond(table: &Table, down: &Down, query: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let mut response = Message::new();
    response
        .set_id(request.id())
        .set_message_type(MessageType::Response)
        .set_op_code(OpCode::Query)
        .set_authoritative(true)
        .set_recursion_desired(request.recursion_desired())
        .set_recursion_available(true);
    let Some(q) = request.queries().first() else {
        response.set_response_code(ResponseCode::FormErr);
        return response.to_vec().ok();
    };
    response.add_query(q.clone());
    let name = key(&q.name().to_ascii());
    if down
        .read()
        .unwrap()
        .iter()
        .any(|d| name == *d || name.ends_with(&format!(".{d}")))
    {
        return None;
    }
    let table = table.read().unwrap();
    let own = table.get(&(name.clone(), q.query_type()));
    let exists_below = |n: &str| {
        table
            .keys()
            .any(|(k, _)| k == n || k.ends_with(&format!(".{n}")))
    };
    // A wildcard answers for a name with nothing of its own, from the
    // closest `*.<ancestor>`.
    let wildcard = || {
        if exists_below(&name) {
            return None;
        }
        let mut rest = name.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(found) = table.get(&(format!("*.{parent}"), q.query_type())) {
                return Some(found);
            }
            rest = parent;
        }
        None
    };
    match own.or_else(wildcard) {
        Some((ttl, records)) if !records.is_empty() => {
            for rdata in records {
                response.add_answer(Record::from_rdata(q.name().clone(), *ttl, rdata.clone()));
            }
        }
        _ => {
            let exists = table
                .keys()
                .any(|(n, _)| *n == name || n.ends_with(&format!(".{name}")));
            response.set_response_code(if exists {
                ResponseCode::NoError
            } else {
                ResponseCode::NXDomain
            });
        }
    }
    response.to_vec().ok()
}
