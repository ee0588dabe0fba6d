//! MACs with the external account binding's key through the account
//! stage's `external-account`, which only the network stage may import.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/external-account",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::external_account;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "mac" => external_account::mac(&arg),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
