//! The ACME side of the hostile CA: routes, objects and the one order it keeps.
//!
//! Paths: `GET /dir`, `HEAD /nonce`, `POST /new-account`, `/new-order`, `/authz/<i>`,
//! `/chall/<i>`, `/finalize`, `/cert`; any other POST is answered with the order, so the
//! order URL may be whatever the script says. JWS signatures are not checked.

use std::sync::{Mutex, MutexGuard};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::http::{Request, Response};
use super::{AfterResponse, Script, Step};

const JSON: &str = "application/json";
const PROBLEM: &str = "application/problem+json";
const PEM_CHAIN: &str = "application/pem-certificate-chain";

/// The CA's script, origin and state, shared by all connections.
pub(crate) struct Ca {
    script: Script,
    origin: String,
    state: Mutex<State>,
}

/// The latest order (each newOrder replaces it) and what was asked.
#[derive(Default)]
struct State {
    names: Vec<String>,
    /// One entry per authorization: was its challenge answered?
    responded: Vec<bool>,
    finalized: bool,
    nonces: u64,
    requests: Vec<(String, String)>,
}

/// A problem document of type `malformed` for the CA's own complaints.
fn malformed(status: u16, detail: &str) -> Response {
    let body = json!({"type": "urn:ietf:params:acme:error:malformed", "detail": detail});
    Response::new(status, PROBLEM, body.to_string())
}

fn json_response(status: u16, body: String, location: Option<String>) -> Response {
    Response {
        location,
        ..Response::new(status, JSON, body)
    }
}

/// The dns identifiers of a newOrder JWS (its payload only: the signature is not checked).
fn requested_names(jws: &[u8]) -> Option<Vec<String>> {
    let jws: Value = serde_json::from_slice(jws).ok()?;
    let payload = URL_SAFE_NO_PAD.decode(jws["payload"].as_str()?).ok()?;
    let order: Value = serde_json::from_slice(&payload).ok()?;
    let identifiers = order["identifiers"].as_array()?;
    (identifiers.iter())
        .map(|i| i["value"].as_str().map(str::to_owned))
        .collect()
}

/// `/authz/7` or `/chall/7` -> 7, when below `count`.
fn index(path: &str, count: usize) -> Option<usize> {
    let i: usize = path.get("/authz/".len()..)?.parse().ok()?;
    (i < count).then_some(i)
}

impl Ca {
    /// A CA playing `script` at `origin` (`https://localhost:PORT`).
    pub(crate) fn new(script: Script, origin: String) -> Ca {
        Ca {
            script,
            origin,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `s` with `{origin}` replaced by this CA's origin.
    fn url(&self, s: &str) -> String {
        s.replace("{origin}", &self.origin)
    }

    /// A fresh Replay-Nonce.
    pub(crate) fn nonce(&self) -> String {
        let mut state = self.lock();
        state.nonces += 1;
        format!("hostile-nonce-{}", state.nonces)
    }

    /// Every request so far, as (method, path).
    pub(crate) fn requests(&self) -> Vec<(String, String)> {
        self.lock().requests.clone()
    }

    /// The script being played.
    pub(crate) fn script(&self) -> &Script {
        &self.script
    }

    /// Answers one request.
    pub(crate) fn handle(&self, req: &Request) -> Response {
        let mut state = self.lock();
        state.requests.push((req.method.clone(), req.path.clone()));
        let count = state.responded.len();
        let (step, i) = match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/dir") => return self.directory(),
            ("HEAD" | "GET", "/nonce") => return Response::new(200, JSON, ""),
            ("POST", "/new-account") => (Step::NewAccount, Some(0)),
            ("POST", "/new-order") => (Step::NewOrder, Some(0)),
            ("POST", "/finalize") => (Step::Finalize, Some(0)),
            ("POST", "/cert") => match &self.script.certificate {
                Some(pem) if state.finalized => return Response::new(200, PEM_CHAIN, pem.clone()),
                _ => return malformed(404, "no certificate"),
            },
            ("POST", p) if p.starts_with("/authz/") => (Step::Authorization, index(p, count)),
            ("POST", p) if p.starts_with("/chall/") => (Step::Challenge, index(p, count)),
            ("POST", _) => return json_response(200, self.order(&state), None),
            _ => return malformed(405, "method not allowed"),
        };
        let Some(i) = i else {
            return malformed(404, "no such authorization or challenge");
        };
        if let Some((_, status, body)) = self.script.problem.as_ref().filter(|p| p.0 == step) {
            return Response::new(*status, PROBLEM, body.clone());
        }
        match step {
            Step::NewAccount => {
                let kid = self.url(&self.script.account_location);
                json_response(201, json!({"status": "valid"}).to_string(), Some(kid))
            }
            Step::NewOrder => {
                let Some(names) = requested_names(&req.body) else {
                    return malformed(400, "newOrder payload has no identifiers");
                };
                let n = self.script.authorizations.unwrap_or(names.len());
                let n = if names.is_empty() { 0 } else { n };
                *state = State {
                    names,
                    responded: vec![false; n],
                    finalized: false,
                    ..std::mem::take(&mut *state)
                };
                let location = self.url(&self.script.order_location);
                json_response(201, self.order(&state), Some(location))
            }
            Step::Authorization => json_response(200, self.authorization(&state, i), None),
            Step::Challenge => {
                state.responded[i] = true;
                json_response(200, self.challenge(&state, i).0, None)
            }
            Step::Finalize => {
                state.finalized = true;
                let location = self.url(&self.script.order_location);
                json_response(200, self.order(&state), Some(location))
            }
        }
    }

    fn directory(&self) -> Response {
        if let Some(to) = &self.script.directory_redirect {
            return Response {
                location: Some(self.url(to)),
                ..Response::new(302, JSON, "")
            };
        }
        let o = &self.origin;
        let body = json!({
            "newNonce": format!("{o}/nonce"),
            "newAccount": format!("{o}/new-account"),
            "newOrder": format!("{o}/new-order"),
            "revokeCert": format!("{o}/revoke-cert"),
            "keyChange": format!("{o}/key-change"),
        });
        let mut body = body.to_string();
        if let Some(size) = self.script.directory_size {
            let pad = size.saturating_sub(body.len());
            body.extend(std::iter::repeat_n(' ', pad));
        }
        json_response(200, body, None)
    }

    fn order(&self, state: &State) -> String {
        let all_valid = state.responded.iter().all(|&r| r)
            && matches!(self.script.after_response, AfterResponse::Valid);
        let status = match (state.finalized, &self.script.certificate) {
            (true, Some(_)) => "valid",
            (true, None) => "processing",
            (false, _) if all_valid => "ready",
            (false, _) => "pending",
        };
        let o = &self.origin;
        let mut order = json!({
            "status": status,
            "identifiers": (state.names.iter())
                .map(|n| json!({"type": "dns", "value": n}))
                .collect::<Vec<_>>(),
            "authorizations": (0..state.responded.len())
                .map(|i| format!("{o}/authz/{i}"))
                .collect::<Vec<_>>(),
            "finalize": format!("{o}/finalize"),
        });
        if status == "valid" {
            order["certificate"] = json!(format!("{o}/cert"));
        }
        order.to_string()
    }

    /// The challenge of authorization `i` as JSON, and the authorization's status. A problem
    /// goes in as raw text, exactly as scripted (line breaks, DEL, C1 ...).
    fn challenge(&self, state: &State, i: usize) -> (String, &'static str) {
        let token = (self.script.token.clone()).unwrap_or_else(|| format!("hostile-token-{i:010}"));
        let (status, error) = match (state.responded[i], &self.script.after_response) {
            (false, _) | (true, AfterResponse::Pending) => ("pending", String::new()),
            (true, AfterResponse::Valid) => ("valid", String::new()),
            (true, AfterResponse::Invalid(raw)) => ("invalid", format!(r#","error":{raw}"#)),
        };
        let (o, token) = (&self.origin, json!(token));
        let challenge = format!(
            r#"{{"type":"http-01","url":"{o}/chall/{i}","token":{token},"status":"{status}"{error}}}"#
        );
        (challenge, status)
    }

    fn authorization(&self, state: &State, i: usize) -> String {
        let (challenge, status) = self.challenge(state, i);
        let name = json!(state.names[i % state.names.len()]);
        format!(
            r#"{{"status":"{status}","identifier":{{"type":"dns","value":{name}}},"challenges":[{challenge}]}}"#
        )
    }
}
