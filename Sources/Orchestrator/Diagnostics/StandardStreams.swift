import Foundation

/// Writes to stdout and stderr that never stop the process: Foundation's
/// `FileHandle.write(_:)` traps when the write fails (a log on a full disk, a
/// closed pipe), which ends a stage with signal 4 and no message at all.
public enum StandardStreams {
    public static func out(_ text: String) { write(text, to: STDOUT_FILENO) }
    public static func error(_ text: String) { write(text, to: STDERR_FILENO) }

    /// Writes all of `text`, or as much as the descriptor takes before an error;
    /// a stream that cannot be written has nowhere to report that, so it is dropped.
    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                done += written
            }
        }
    }
}

/// An error as one line for a person: Foundation's file errors on Linux say
/// only "The operation could not be completed", so the file's path and the
/// system's reason (say "No space left on device") are dug out of them.
public enum ErrorText {
    public static func describe(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        let reason: String
        if let underlying = cocoa.underlying as? POSIXError {
            reason = String(cString: strerror(underlying.code.rawValue))
        } else if let underlying = cocoa.underlying as NSError?, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        } else {
            reason = cocoa.localizedDescription
        }
        guard let path = cocoa.filePath ?? cocoa.url?.path else { return reason }
        return "\(path): \(reason)"
    }
}
