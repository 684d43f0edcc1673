//! `dix`: see `dix --help`. All the work is in the library.

fn main() -> std::process::ExitCode {
    dix_client::cli::main()
}
