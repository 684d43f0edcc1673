//! A peer that is not a dix node: an HTTP server on 127.0.0.1 whose answers
//! a test sets per path — garbage, a response cut short, one that never
//! ends, one too large, or a proxy to a real node that can be switched to
//! another (a peer whose history changes behind one URL).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake peer answers.
#[derive(Clone, Debug)]
pub enum FakeAnswer {
    /// A complete response.
    Full {
        /// Status code.
        status: u16,
        /// Body.
        body: Vec<u8>,
    },
    /// Headers announcing `announced` bytes, then only `body`, then close.
    CutShort {
        /// Bytes announced in Content-Length.
        announced: usize,
        /// Bytes sent.
        body: Vec<u8>,
    },
    /// Headers, then one byte every second, forever.
    NeverEnds,
    /// The same request answered by the node at this URL.
    Proxy(String),
}

type Handler = dyn Fn(&str) -> FakeAnswer + Send + Sync;

/// The fake peer.
pub struct FakePeer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    handler: Arc<Mutex<Arc<Handler>>>,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakePeer {
    /// Starts one answering `handler(path_and_query)`.
    pub async fn start(handler: impl Fn(&str) -> FakeAnswer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let handler: Arc<Mutex<Arc<Handler>>> = Arc::new(Mutex::new(Arc::new(handler)));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let (handler, requests) = (handler.clone(), requests.clone());
            async move {
                while let Ok((socket, _)) = listener.accept().await {
                    let h = handler.lock().unwrap().clone();
                    let requests = requests.clone();
                    tokio::spawn(async move {
                        let _ = serve(socket, h, requests).await;
                    });
                }
            }
        });
        Self {
            url: format!("http://{addr}"),
            handler,
            requests,
            task,
        }
    }

    /// Changes what it answers from now on.
    pub fn set(&self, handler: impl Fn(&str) -> FakeAnswer + Send + Sync + 'static) {
        *self.handler.lock().unwrap() = Arc::new(handler);
    }

    /// The paths asked so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakePeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A JSON answer.
pub fn json_answer(value: &serde_json::Value) -> FakeAnswer {
    FakeAnswer::Full {
        status: 200,
        body: value.to_string().into_bytes(),
    }
}

/// A feed page of these notices (the bytes verbatim), with no more after.
pub fn feed_page(notices: &[Vec<u8>], next: u64) -> FakeAnswer {
    let items: Vec<String> = notices
        .iter()
        .map(|n| String::from_utf8(n.clone()).expect("notices are UTF-8"))
        .collect();
    FakeAnswer::Full {
        status: 200,
        body: format!(
            "{{\"notices\":[{}],\"next\":\"{next}\",\"more\":false}}",
            items.join(",")
        )
        .into_bytes(),
    }
}

/// 404 for everything but the feed is what a minimal relay serves.
pub fn not_found() -> FakeAnswer {
    FakeAnswer::Full {
        status: 404,
        body: b"{\"error\":{\"code\":\"not_found\",\"message\":\"no\"}}".to_vec(),
    }
}

async fn serve(
    mut socket: TcpStream,
    handler: Arc<Handler>,
    requests: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    requests.lock().unwrap().push(path.clone());
    let header = |status: u16, len: usize| {
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n"
        )
    };
    match handler(&path) {
        FakeAnswer::Full { status, body } => {
            socket
                .write_all(header(status, body.len()).as_bytes())
                .await?;
            socket.write_all(&body).await?;
        }
        FakeAnswer::CutShort { announced, body } => {
            socket.write_all(header(200, announced).as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        FakeAnswer::NeverEnds => {
            // No length: the body lasts until the connection closes.
            socket
                .write_all(b"HTTP/1.1 200 X\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n")
                .await?;
            socket.write_all(b"{\"notices\":[").await?;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                socket.write_all(b" ").await?;
            }
        }
        FakeAnswer::Proxy(base) => {
            let response = reqwest::get(format!("{base}{path}")).await;
            match response {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.bytes().await.unwrap_or_default();
                    socket
                        .write_all(header(status, body.len()).as_bytes())
                        .await?;
                    socket.write_all(&body).await?;
                }
                Err(_) => {
                    socket.write_all(header(502, 0).as_bytes()).await?;
                }
            }
        }
    }
    socket.shutdown().await
}
