//! TCP through wasi:sockets and nothing else of it (no UDP, no name
//! lookup, no resolver): the responder stage's sockets. Connecting
//! anywhere, binding and listening elsewhere than the grant, and serving
//! one connection on it (the control). The attacks are the `net`
//! component's (its tcp.rs).

wit_bindgen::generate!({
    world: "acmebox-test:hostile/listen",
    path: ["../../../wit", "../wit"],
    generate_all,
});

#[path = "../../net/src/tcp.rs"]
mod tcp;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        tcp::attack(&kind, &arg).unwrap_or_else(|| Err(format!("unknown attack {kind}")))
    }
}

export!(Component);
