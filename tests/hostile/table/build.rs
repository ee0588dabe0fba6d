// Place the function table's entries at index 2^24, so the table the
// component declares starts with 16 Mi elements: host memory (8 bytes an
// element) that no linear-memory limit counts.
fn main() {
    println!("cargo:rustc-link-arg=--table-base=16777216");
}
