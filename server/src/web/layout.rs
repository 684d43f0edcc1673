//! The page shell every page shares (language, title, navigation, the one
//! stylesheet and script dixd serves itself) and the error page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::i18n::Lang;

/// A whole page. `here` is the page's own path (with its query), for the
/// language switch.
pub fn page(lang: Lang, title: &str, here: &str, body: Markup) -> Markup {
    let t = lang.t();
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — dix" }
                link rel="icon" href="/static/dix.svg" type="image/svg+xml";
                link rel="stylesheet" href="/static/dix.css";
                script src="/static/dix.js" defer {}
            }
            body {
                a.skip href="#main" { (t.skip) }
                header.top {
                    a.brand href=(lang.href("/")) { "dix" }
                    nav aria-label=(t.nav_label) {
                        a href=(lang.href("/")) { (t.nav_home) }
                        a href=(lang.href("/incidents")) { (t.nav_incidents) }
                        a lang=(other.code()) hreflang=(other.code()) href=(switch(here, other)) { (t.switch_to) }
                    }
                }
                main #main { (body) }
                footer { p { (t.footer) } }
            }
        }
    }
}

/// `here` in the other language.
fn switch(here: &str, to: Lang) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let base = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    to.href(&base)
}

/// A page as a response.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// An error as a page: what went wrong and what to do, in the page's language.
pub fn error(lang: Lang, status: StatusCode, message: &str, here: &str) -> Response {
    let t = lang.t();
    respond(
        status,
        page(
            lang,
            t.error_title,
            here,
            html! {
                h1 { (t.error_title) }
                p.error role="alert" { (message) }
                p { a href=(lang.href("/")) { (t.back_home) } }
            },
        ),
    )
}

/// A failure of the node itself (the store): logged with its detail, shown
/// as a generic page, as the API's 500s are — the detail is not the reader's.
pub fn internal(lang: Lang, detail: impl std::fmt::Display, here: &str) -> Response {
    tracing::error!(error = %detail, page = here, "page failed");
    error(
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        lang.t().internal,
        here,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_keeps_the_rest_of_the_query() {
        assert_eq!(
            switch("/incidents?kind=outage&lang=ja", Lang::En),
            "/incidents?kind=outage&lang=en"
        );
        assert_eq!(switch("/", Lang::Ja), "/?lang=ja");
    }
}
