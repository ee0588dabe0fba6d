//! `-vv`: a transport that reports each exchange in one line through the
//! imported `trace` (wit/network.wit): method, URL, status, whether a
//! Replay-Nonce came back, and the problem type (§6.7) of an error reply.
//! Never a request body (the JWS), a response body, a key or a header value
//! other than the presence of the nonce.

use crate::http::{Method, Reply, Request, Transport};
use crate::retry::Failure;
use crate::types::Problem;

/// The imported `trace.exchange`.
pub type ReportFn = fn(&str);

/// `T`, reporting each exchange to `report` when there is one.
pub struct Traced<T> {
    inner: T,
    report: Option<ReportFn>,
}

impl<T> Traced<T> {
    /// Wrap `inner`; `None` reports nothing (no `-vv`).
    pub fn new(inner: T, report: Option<ReportFn>) -> Traced<T> {
        Traced { inner, report }
    }
}

impl<T: Transport> Transport for Traced<T> {
    fn send(&self, req: &Request<'_>) -> Result<Reply, Failure> {
        let result = self.inner.send(req);
        if let Some(report) = self.report {
            report(&line(req, &result));
        }
        result
    }
}

/// The line for one exchange.
pub fn line(req: &Request<'_>, result: &Result<Reply, Failure>) -> String {
    let method = match req.method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
    };
    match result {
        Err(e) => format!("{method} {} -> failed: {}", req.url, e.message),
        Ok(reply) => {
            let nonce = if reply.nonce.is_some() { "yes" } else { "no" };
            let mut line = format!(
                "{method} {} -> {}, Replay-Nonce: {nonce}",
                req.url, reply.status
            );
            if !(200..300).contains(&reply.status) {
                match Problem::parse(&reply.body) {
                    Some(p) => line.push_str(&format!(", problem {}", p.kind)),
                    None => line.push_str(", no problem document"),
                }
            }
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(body: &str) -> Request<'_> {
        Request {
            method: Method::Post,
            url: "https://ca.test/acme/new-order",
            body,
            accept: None,
        }
    }

    #[test]
    fn a_line_names_method_url_status_nonce_and_problem_but_never_the_jws() {
        let jws = r#"{"protected":"eyJhbGciOiJFUzI1NiJ9","payload":"","signature":"c2ln"}"#;
        let ok = Ok(Reply {
            status: 201,
            nonce: Some("abc".into()),
            body: b"{\"status\":\"pending\"}".to_vec(),
            ..Reply::default()
        });
        let text = line(&post(jws), &ok);
        assert_eq!(
            text,
            "POST https://ca.test/acme/new-order -> 201, Replay-Nonce: yes"
        );
        let problem = Ok(Reply {
            status: 400,
            body: br#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"secret detail"}"#
                .to_vec(),
            ..Reply::default()
        });
        let text = line(&post(jws), &problem);
        assert_eq!(
            text,
            "POST https://ca.test/acme/new-order -> 400, Replay-Nonce: no, \
             problem urn:ietf:params:acme:error:badNonce"
        );
        for secret in ["eyJhbGci", "c2ln", "secret detail", "pending"] {
            assert!(!text.contains(secret));
        }
    }
}
