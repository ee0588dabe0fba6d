//! Asking the host for key authorizations (acmebox:stages/key-authorizations)
//! from another stage: every stage but the responder must refuse this
//! interface at load; the responder gets only the tokens the run serves.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/key-authorizations",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::key_authorizations;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "key-authorization" => key_authorizations::key_authorization(&arg)
                .ok_or_else(|| format!("no key authorization for {arg:?}")),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
