//! HTTP messages as plain data: what an exchange asks to send and the reply it takes. The
//! HTTP runner ([`crate::http`]) moves them across the wire; nothing here knows a socket.

use std::time::Duration;

use crate::secret::{MASK, Secret};

/// The most of a reply body that is read; the rest is dropped. A dyndns2 reply is a few lines.
pub const MAX_BODY: usize = 64 * 1024;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// How the request proves who sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Nothing beyond what the URL carries.
    None,
    /// `Authorization: Basic` with this user and password.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: Secret,
    },
    /// `Authorization: Bearer` with this token.
    Bearer(Secret),
    /// A header of the provider's own (`X-API-Key`, `Authorization: Apikey …`) whose whole
    /// value is secret.
    Header {
        /// The header's name.
        name: &'static str,
        /// Its value.
        value: Secret,
    },
}

/// One request, ready for the HTTP runner. Its `Debug` shows the masked URL, never `url`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL with its query. It may hold the secret: print [`HttpRequest::shown`].
    pub url: String,
    /// The same URL with the secret's slot masked, built beside it: masking where the request
    /// carries the secret, not every text that happens to equal it, keeps the rest of the URL
    /// as it is sent (and gives no hint of the password by what was masked).
    pub shown: String,
    /// The credentials in a header, if any.
    pub auth: Auth,
    /// A body, with its content type.
    pub body: Option<(&'static str, String)>,
    /// The body as a dry run shows it: secrets in it masked where they are put (built beside
    /// the body, like `shown`).
    pub shown_body: Option<String>,
    /// The secret this request carries anywhere (URL, header or body): scrubbed from every
    /// text of the reply and of an error, since a server may echo it back.
    pub secret: Option<Secret>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.shown)
            .field("auth", &self.auth)
            .field("body", &self.body.as_ref().map(|(kind, _)| kind))
            .finish_non_exhaustive()
    }
}

impl HttpRequest {
    /// A GET of `url` (shown as `shown`).
    pub fn get(url: String, shown: String) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url,
            shown,
            auth: Auth::None,
            body: None,
            shown_body: None,
            secret: None,
        }
    }

    /// The request as a dry run shows it: the request line, then its credentials masked.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("{} {}", self.method.as_str(), self.shown)];
        match &self.auth {
            Auth::None => {}
            Auth::Basic { user, .. } => {
                out.push(format!("Authorization: Basic {MASK} (user {user})"));
            }
            Auth::Bearer(_) => out.push(format!("Authorization: Bearer {MASK}")),
            Auth::Header { name, .. } => out.push(format!("{name}: {MASK}")),
        }
        if let Some((kind, _)) = &self.body {
            out.push(format!("Content-Type: {kind}"));
            if let Some(shown) = &self.shown_body {
                out.push(shown.clone());
            }
        }
        out
    }
}

/// A reply, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// HTTP status.
    pub status: u16,
    /// The body, lossily decoded as UTF-8, at most [`MAX_BODY`] bytes of it.
    pub body: String,
    /// Whether the body was longer than [`MAX_BODY`].
    pub truncated: bool,
    /// The `Retry-After` header, when it gives seconds (an HTTP 429's wait).
    pub retry_after: Option<Duration>,
}
