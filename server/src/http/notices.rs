//! `POST /v1/notices`: publish one signed notice. The signature is the
//! authorisation; the body is the notice's exact canonical bytes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::ingest::{Origin, ingest};
use crate::node::Node;
use crate::store::PublishOutcome;

/// The raw body, with body-size and read failures in the API's error format.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too_large",
                        "the request body is larger than this node accepts",
                    )
                } else {
                    ApiError::bad_request(
                        "unreadable_body",
                        format!("the request body could not be read: {rejection}"),
                    )
                }
            })
    }
}

pub async fn publish(
    State(node): State<Arc<Node>>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    // Who pays for the DNS queries the notice costs (none in in-process
    // router tests).
    let client = client.map(|Extension(ConnectInfo(addr))| addr.ip());
    // What a shell or an editor leaves after the JSON (the newline
    // `dix notice sign` prints, `curl --data-binary @file` sends) is not
    // part of the notice: the exact canonical bytes before it are what is
    // verified, stored and relayed.
    let accepted = ingest(&node, body.trim_ascii_end(), Origin::Direct, client).await?;
    let n = accepted.notice.notice();
    let about = json!({"issuer": n.issuer, "seq": n.seq, "incident": n.incident});
    Ok(match accepted.outcome {
        PublishOutcome::Stored { cursor, current } => {
            let mut body = json!({
                "status": "stored",
                "cursor": cursor.to_string(),
                "current": current,
                "notice": about,
                "key_source": accepted.key_source,
                "scope": accepted.scope,
            });
            if !current {
                body["note"] = json!("a revision with a higher seq is already current; this one is kept as history and changes nothing");
            }
            (StatusCode::CREATED, axum::Json(body)).into_response()
        }
        PublishOutcome::Replay { cursor } => (StatusCode::OK, axum::Json(json!({"status": "replay", "cursor": cursor.to_string(), "notice": about}))).into_response(),
        PublishOutcome::Equivocation { cursor, earlier } => ApiError::new(
            StatusCode::CONFLICT,
            "equivocation",
            format!(
                "{} already published a different notice with seq {} (cursor {earlier}); both are kept as evidence (this one as cursor {cursor}) and the issuer is flagged",
                n.issuer, n.seq
            ),
        )
        .with_field("seq")
        .into_response(),
    })
}
