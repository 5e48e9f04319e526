import ArgumentParser
import Foundation
import MultiTaskLearning
import RecommenderStages

/// The suite's figures that can be measured alone (`--only`).
enum SuiteFigure: String, ExpressibleByArgument {
    case csv, noop
}

/// Every figure of the performance targets, measured one after the other in
/// this process or in child processes, printed as one JSON object (or lines).
struct Suite {
    var bench: Bench

    struct Results: Encodable {
        var threads: Int
        var openblas_coretype: String?
        /// The floor: a plain 1024 x 1024 x 1024 sgemm with the same thread count.
        var sgemm_gflops: Double
        var dense: [Report]
        /// Training FLOP/s as a share of the sgemm floor, per dense model.
        var train_share_of_sgemm: [String: Double]
        var categorical: Report
        var rows_scaling: [Scaling]
        var csv: CSVIngestion
        var noop_rerun: NoopRerun?
    }

    struct Scaling: Encodable {
        var rows: Int
        var seconds_per_epoch: Double
        var peak_resident_mb: Double?
        var data_mb: Double?
        var model_mb: Double?
        var optimizer_mb: Double?
    }

    struct CSVIngestion: Encodable {
        var file: String
        var megabytes: Double
        var seconds: Double
        var megabytes_per_s: Double
        var rows: Int
        var rejected_rows: Int

        var line: String {
            String(format: "CSV ingestion: %.1f MB in %.3f s = %.1f MB/s (%d rows, %d rejected)", megabytes, seconds, megabytes_per_s,
                   rows, rejected_rows)
        }
    }

    struct NoopRerun: Encodable {
        var pipeline: String
        var runs: Int
        var min_ms: Double
        var median_ms: Double

        var line: String {
            String(format: "no-op rerun of %@: median %.1f ms, min %.1f ms over %d runs", pipeline, median_ms, min_ms, runs)
        }
    }

    func run() throws {
        log("sgemm floor")
        let sgemm = SgemmPeak.gflops(m: 1024, k: 1024, n: 1024)
        var dense: [Report] = []
        for kind in [ModelKind.sharedBottom, .mmoe] {
            log("dense workload, \(kind.rawValue)")
            dense.append(try bench.measure(kind, workload: "dense"))
        }
        log("categorical workload, mmoe")
        let categorical = try bench.measure(.mmoe, workload: "categorical")
        let scaling = try bench.scalingRows.map { rows in
            log("rows scaling, \(rows) rows")
            return try scale(rows: rows)
        }
        log("CSV ingestion")
        let csv = try ingest()
        log("no-op rerun of \(bench.pipeline)")
        let noop = try noopRerun()
        let results = Results(
            threads: bench.threads, openblas_coretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
            sgemm_gflops: sgemm, dense: dense,
            train_share_of_sgemm: Dictionary(uniqueKeysWithValues: dense.map { ($0.model, $0.train_gflops / sgemm) }),
            categorical: categorical, rows_scaling: scaling, csv: csv, noop_rerun: noop)
        if bench.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            printLines(results)
        }
    }

    /// One figure alone, for work on one part.
    func runOne(_ figure: SuiteFigure) throws {
        switch figure {
        case .csv: print(try ingest().line)
        case .noop: if let noop = try noopRerun() { print(noop.line) }
        }
    }

    /// Progress goes to standard error, so that standard output stays one JSON object.
    func log(_ text: String) {
        FileHandle.standardError.write(Data("mtrec-bench: \(text)\n".utf8))
    }

    /// Trains shared-bottom on `rows` generated rows in a child process, so
    /// its peak memory is that of this size alone.
    func scale(rows: Int) throws -> Scaling {
        let output = try runChild(Bench.executable, ["--model", "shared_bottom", "--rows", "\(rows)", "--epochs", "2",
                                                     "--threads", "\(bench.threads)", "--seed", "\(bench.seed)", "--json"])
        let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
        let steady = report.epoch_seconds.dropFirst()
        return Scaling(rows: rows, seconds_per_epoch: steady.reduce(0, +) / Double(max(steady.count, 1)),
                       peak_resident_mb: report.peak_resident_mb, data_mb: report.data_mb, model_mb: report.model_mb,
                       optimizer_mb: report.optimizer_mb)
    }

    func ingest() throws -> CSVIngestion {
        let path: String
        if let file = bench.csv ?? bench.train {
            path = file
        } else {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-bench-\(getpid()).csv").path
            try GeneratedCSV.write(rows: 200_000, seed: bench.seed, to: path)
        }
        defer { if bench.csv == nil, bench.train == nil { try? FileManager.default.removeItem(atPath: path) } }
        // As compare-peers times pandas: one read to warm the page cache, then the median of three.
        guard let delimiter = bench.csvDelimiter.first, bench.csvDelimiter.count == 1 else {
            throw ValidationError("--csv-delimiter must be one character")
        }
        let read = { try DelimitedIngestion.read(path, delimiter: delimiter, header: !bench.csvNoHeader) }
        var summary = try read()
        var times: [Double] = []
        for _ in 0..<3 {
            let start = DispatchTime.now()
            summary = try read()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        let seconds = times.sorted()[1]
        // The text's bytes: a .gz file's decompressed size, as the peers' figures count it.
        let bytes = Double(summary.textBytes)
        return CSVIngestion(file: path, megabytes: bytes / 1e6, seconds: seconds, megabytes_per_s: bytes / 1e6 / seconds,
                            rows: summary.rows, rejected_rows: summary.rejectedRows)
    }

    /// Runs the pipeline once to fill a fresh state folder, then times reruns
    /// of the `mtrec` binary built beside this one.
    func noopRerun() throws -> NoopRerun? {
        let mtrec = URL(fileURLWithPath: Bench.executable).deletingLastPathComponent().appendingPathComponent("mtrec").path
        guard FileManager.default.isExecutableFile(atPath: mtrec) else {
            log("no mtrec binary at \(mtrec); skipping the no-op rerun (swift build -c release --product mtrec)")
            return nil
        }
        let pipeline = URL(fileURLWithPath: bench.pipeline).standardizedFileURL.path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-bench-noop-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try runChild(mtrec, ["run", pipeline], in: folder)
        // Timed with posix_spawn and waitpid: Foundation's Process notices an
        // exit only every 50 ms or so, which would swamp a 30 ms figure.
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(folder.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        let outputFile = folder.appendingPathComponent("rerun.out").path
        var times: [Double] = []
        for _ in 0..<bench.noopRepeats {
            let start = DispatchTime.now()
            let status = try spawnAndWait(mtrec, ["run", pipeline], standardOutput: outputFile)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
            let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            let summary = output.split(separator: "\n").first { $0.contains(": succeeded in") } ?? ""
            guard status == 0, summary.contains("cached"), !summary.contains(" ran") else {
                throw ValidationError("a rerun of \(bench.pipeline) was not all cached:\n\(output)")
            }
        }
        times.sort()
        return NoopRerun(pipeline: bench.pipeline, runs: times.count, min_ms: times[0], median_ms: times[times.count / 2])
    }

    func printLines(_ results: Results) {
        print("sgemm floor (1024^3, \(results.threads) threads): \(String(format: "%.1f", results.sgemm_gflops)) GFLOP/s")
        for report in results.dense + [results.categorical] {
            print("")
            try? report.print(json: false)
        }
        for (model, share) in results.train_share_of_sgemm.sorted(by: { $0.key < $1.key }) {
            print(String(format: "%@ training runs at %.0f%% of the sgemm floor", model, 100 * share))
        }
        print("\nrows scaling (shared_bottom, 2 epochs):")
        for row in results.rows_scaling {
            let held = (row.data_mb ?? 0) + (row.model_mb ?? 0) + (row.optimizer_mb ?? 0)
            print(String(format: "  %9d rows  %7.2f s/epoch  peak %6.0f MB = %.2fx data %.0f + model %.1f + optimizer %.1f MB", row.rows,
                         row.seconds_per_epoch, row.peak_resident_mb ?? 0, (row.peak_resident_mb ?? 0) / max(held, 1e-9), row.data_mb ?? 0,
                         row.model_mb ?? 0, row.optimizer_mb ?? 0))
        }
        print("\n" + results.csv.line)
        if let noop = results.noop_rerun { print(noop.line) }
    }
}
