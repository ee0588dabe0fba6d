//! `--key-type`: the kind of key `-n` and `-N` create, [`KeyType`]. It lives
//! in acmebox-config (a configuration file names key types too), built with
//! its `clap` feature so that it is this command line's value.

pub use acmebox_config::KeyType;

#[cfg(test)]
mod tests {
    use super::KeyType;
    use clap::ValueEnum as _;

    #[test]
    fn key_type_names_are_the_flag_values() {
        for kind in KeyType::ALL {
            let parsed = KeyType::from_str(kind.name(), false).expect("parses");
            assert_eq!(parsed, kind);
        }
        assert_eq!(KeyType::default(), KeyType::P256);
        assert!(KeyType::from_str("rsa1024", false).is_err());
    }
}
