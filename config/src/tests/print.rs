//! The normalised output of `--check`.

use super::{ok, EXAMPLE, PEBBLE};
use crate::print;

#[test]
fn print_writes_every_default_out_and_expands_macros() {
    let config = ok(&format!(
        "keys = \"/etc/acme\"\n{}{EXAMPLE}",
        PEBBLE.replace("\"/etc/acme/pebble.pem\"", "$keys/pebble.pem ecdsa")
    ));
    assert_eq!(
        print(&config),
        "authority \"pebble\" {
\tapi url \"https://localhost:14000/dir\"
\taccount key \"/etc/acme/pebble.pem\" p384
}

domain \"example.com\" {
\tdomain name \"example.com\"
\tdomain key \"/etc/ssl/private/example.com.key\" p256
\tdomain full chain certificate \"/etc/ssl/example.com.fullchain.pem\"
\tsign with \"pebble\"
\tchallengedir \"/var/www/acme\"
}
"
    );
}

#[test]
fn print_parses_back_to_the_same_config() {
    let config = ok(r#"
        authority "we \"quote\" \\ here" {
            api url https://ca.test:8443/dir; account key /k rsa
            contact mailto:a@example.com; ca file "/etc/ca file.pem"
        }
        domain web {
            domain name Example.COM
            alternative names { www.example.com, *.example.com }
            domain key /d rsa2048; domain certificate /c; domain chain certificate /ch
            domain full chain certificate /f; challengedir /srv/acme
        }
    "#);
    let printed = print(&config);
    assert!(
        printed.contains("alternative names { \"www.example.com\" \"*.example.com\" }"),
        "{printed}"
    );
    assert!(
        printed.contains("\tca file \"/etc/ca file.pem\"\n"),
        "{printed}"
    );
    assert_eq!(ok(&printed), config, "{printed}");
    assert_eq!(print(&ok(&printed)), printed);
}
