fn main() {
    std::process::exit(dmap::cli::main(std::env::args_os()));
}
