import Foundation

/// Paths mtrec writes to on a pipeline's behalf (publish destinations) must
/// stay inside the folder mtrec runs in: relative, no `~`, and no `..` that
/// climbs above where it started. Checked on the text at validation, and on
/// the file system (no symbolic link on the way) before each write.
enum ConfinedPath {
    /// Why `path` could leave the working folder, or nil when it stays inside.
    static func escape(_ path: String) -> String? {
        if path.isEmpty { return "it is empty" }
        if path.hasPrefix("/") { return "it is absolute" }
        if path.hasPrefix("~") { return "it starts with '~' (a home folder)" }
        var depth = 0
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": depth -= 1
            default: depth += 1
            }
            if depth < 0 { return "its '..' climbs above the working folder" }
        }
        return depth == 0 ? "it names the working folder itself" : nil
    }

    /// The first existing folder on the way from `base` to `relativePath`
    /// (the last component excluded) that is a symbolic link, if any.
    static func symbolicLink(on relativePath: String, from base: URL) -> String? {
        var current = base
        let components = relativePath.split(separator: "/").map(String.init).filter { $0 != "." }
        for component in components.dropLast() {
            current.appendPathComponent(component)
            var status = stat()
            guard lstat(current.path, &status) == 0 else { return nil }
            if status.st_mode & S_IFMT == S_IFLNK { return current.path }
        }
        return nil
    }
}
