//! Signing with the account key through the account stage's signer, which
//! only the network stage may import.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/signer",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::signer;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "sign" => signer::sign(&arg),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
