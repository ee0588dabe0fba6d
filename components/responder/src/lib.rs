//! The responder stage (lacme's webserver): the built-in http-01 server.
//! It listens on the addresses of `--http-listen`, the only ones its grant
//! lets it bind, and answers `GET` and `HEAD` of
//! `/.well-known/acme-challenge/TOKEN` (RFC 8555 §8.3) with the key
//! authorization the host gives for TOKEN, and everything else with an error
//! status. It faces the internet: requests are bounded in size (http.rs) and
//! connections in number and time (server.rs). It has no files, no outgoing
//! connections, no name lookup and no keys; the key authorizations it
//! serves are public (the CA publishes them too).
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({ world: "responder", path: "../../wit", generate_all });

    use super::Responder;
    export!(Responder with_types_in self);
}

mod http;
mod server;

/// The stage's reading of requests, callable natively for fuzz/
/// (fuzz_targets/http_request.rs). Not part of the component's interface,
/// and not built into it.
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzzing {
    pub use crate::http::{answer, Answer, CHALLENGE_PATH, MAX_HEAD, MAX_TOKEN};
}

use bindings::exports::acmebox::stages::http01::Guest;
use std::cell::RefCell;

thread_local! {
    /// The listeners and connections, from `bind` on.
    static SERVER: RefCell<Option<server::Server>> = const { RefCell::new(None) };
}

struct Responder;

impl Guest for Responder {
    fn bind(addresses: Vec<String>) -> Result<(), String> {
        SERVER.with_borrow_mut(|slot| {
            if slot.is_some() {
                return Err("already listening".into());
            }
            *slot = Some(server::Server::bind(&addresses)?);
            Ok(())
        })
    }

    fn serve(budget_ms: u32) -> Result<(), String> {
        SERVER.with_borrow_mut(|slot| match slot {
            Some(server) => {
                server.serve(budget_ms);
                Ok(())
            }
            None => Err("serve called before bind".into()),
        })
    }
}
