//! A component whose core module declares a function table of 16 Mi
//! elements (see build.rs): host memory outside the stage's memory limit,
//! taken at instantiation.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/bare",
    path: ["../../../wit", "../wit"],
    generate_all,
});

struct Component;

impl Guest for Component {
    fn attack(kind: String, _arg: String) -> Result<String, String> {
        // An indirect call, so the table is used.
        let f: fn(&str) -> String = std::hint::black_box(|k| format!("{k}: instantiated"));
        Ok(f(&kind))
    }
}

export!(Component);
