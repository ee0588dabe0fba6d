//! Asking the host's resolver (acmebox:stages/resolver) for addresses,
//! without any wasi:sockets import: a stage without the network grant must
//! refuse this interface on its own, not behind wasi:sockets' refusal.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/resolver",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::resolver;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "resolve" => resolver::resolve(&arg).map(|addrs| addrs.join(",")),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
