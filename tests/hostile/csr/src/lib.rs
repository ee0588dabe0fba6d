//! Asking the domain-key stage for a CSR, i.e. using the domain key: no stage
//! may import it (the host alone calls the domain-key stage).

wit_bindgen::generate!({
    world: "acmebox-test:hostile/csr",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use acmebox::stages::csr;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "csr" => csr::make_csr(&csr::CsrRequest {
                names: vec![arg],
                subject: None,
                key_usage: csr::KeyUsage::empty(),
                tls_features: csr::TlsFeatures::empty(),
            })
            .map(|der| format!("{} bytes of CSR", der.len())),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
