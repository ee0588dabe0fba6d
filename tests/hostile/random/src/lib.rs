//! Randomness, which only the key stages and the network stage may have.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/random",
    path: ["../../../wit", "../wit"],
    generate_all,
});

struct Component;

impl Guest for Component {
    fn attack(kind: String, _arg: String) -> Result<String, String> {
        match kind.as_str() {
            "random" => Ok(format!("{:x}", wasi::random::random::get_random_u64())),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
