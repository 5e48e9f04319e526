import Foundation

/// The state folder holds the artifact store, logs, run reports and records:
/// `--state-dir`, else $MTREC_STATE_DIR, else `.mtrec` in the working directory.
public enum StateFolder {
    public static func resolve(explicit: String?) -> URL {
        let path = explicit ?? ProcessInfo.processInfo.environment["MTREC_STATE_DIR"] ?? ".mtrec"
        return URL(fileURLWithPath: path).standardizedFileURL
    }
}
