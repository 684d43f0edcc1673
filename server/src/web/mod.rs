//! The pages people read, rendered on the server with maud (every value
//! escaped; no inline script or style, so the Content-Security-Policy
//! forbids both): the helpdesk's page at `/`, the incidents, an incident,
//! an issuer, and errors as pages. Japanese and English (`?lang=`, else
//! `Accept-Language`). The stylesheet and the one script are served by
//! dixd itself, so the pages work on a closed network.
//!
//! | module | what |
//! |---|---|
//! | [`i18n`] | the language of a page, and the pages' words in both |
//! | [`clock`] | times in the viewer's zone (the `tz` cookie `dix.js` sets), the zone named |
//! | [`layout`] | the page shell and the error page |
//! | [`home`] | `/`, `POST /explain`, the samples |
//! | [`incidents`] | `/incidents`, the SVG timeline, `/incidents/{issuer}/{id}`, `/incidents/{id}` |
//! | [`issuers`] | `/issuers/{domain}` |

pub mod clock;
pub mod home;
pub mod i18n;
pub mod incidents;
pub mod issuers;
pub mod layout;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::node::Node;

/// The policy every response carries: nothing but this node's own script,
/// styles and images; no framing; forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The pages' routes.
pub fn routes() -> Router<Arc<Node>> {
    Router::new()
        .route("/", get(home::home))
        .route("/explain", get(home::sample).post(home::explain))
        .route("/incidents", get(incidents::list))
        .route("/incidents/{id}", get(incidents::by_id))
        .route("/incidents/{issuer}/{id}", get(incidents::one))
        .route("/issuers/{domain}", get(issuers::one))
        .route(
            "/static/dix.css",
            get(|| asset("text/css; charset=utf-8", include_str!("assets/dix.css"))),
        )
        .route(
            "/static/dix.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("assets/dix.js"),
                )
            }),
        )
        .route("/static/dix.svg", get(icon))
        .route("/favicon.ico", get(icon))
}

async fn icon() -> Response {
    asset("image/svg+xml", include_str!("assets/dix.svg")).await
}

async fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A 404 for a path that is no page, as a page.
pub async fn not_found(request: Request) -> Response {
    let q: std::collections::HashMap<String, String> = request
        .uri()
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let lang = i18n::Lang::pick(q.get("lang").map(String::as_str), request.headers());
    layout::error(lang, StatusCode::NOT_FOUND, lang.t().not_found, "/")
}

/// Security headers on every response, pages and API alike.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
