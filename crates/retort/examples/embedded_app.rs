//! An application that carries its migrations inside its binary and brings its database
//! to head at start-up: `cargo run -p retort --example embedded_app -- URL`.
//!
//! Several instances may start at once: retort's migration lock lets one apply each
//! revision and the others find the database at head. The URL is the first argument,
//! else DATABASE_URL, else `sqlite://embedded_app.db`.
static MIGRATIONS: retort::EmbeddedMigrations =
    retort::embed_migrations!("$CARGO_MANIFEST_DIR/examples/embedded_app/migrations");

fn main() {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .unwrap_or_else(|| "sqlite://embedded_app.db".into());
    match MIGRATIONS.upgrade_to_head(&url) {
        Ok(report) => {
            println!(
                "migrations: applied {} revision(s); the database is at {}",
                report.steps.len(),
                report.heads_after.join(", ")
            );
            // The application's own work, on the migrated schema.
            let mut conn =
                retort::connect(&retort::RedactedUrl::new(url), std::path::Path::new("."))
                    .expect("the database opens");
            conn.execute("INSERT INTO visits (path, seen_at) VALUES ('/', 'start-up')")
                .expect("the schema is at head");
            println!("serving");
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
