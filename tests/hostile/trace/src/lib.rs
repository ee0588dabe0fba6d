//! Reporting through the network stage's `-vv` trace
//! (acmebox:stages/trace) from another stage: every stage but network must
//! refuse this interface at load.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/trace",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::trace;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "trace" => {
                trace::exchange(&arg);
                Ok(String::new())
            }
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
