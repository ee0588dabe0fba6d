//! Signing with the new key of a key rollover through `rollover-signer`,
//! which only the network stage may import.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/rollover-signer",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::rollover_signer;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "sign" => rollover_signer::sign(&arg),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
