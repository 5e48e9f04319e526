/// A column of a table: numbers for features and labels, integers for ids,
/// text for raw categorical values.
public enum Column: Sendable, Equatable {
    case float([Float])
    case int([Int64])
    case string([String])

    /// Floats compare by bit pattern, so that two missing values (NaN) are equal.
    public static func == (lhs: Column, rhs: Column) -> Bool {
        switch (lhs, rhs) {
        case (.float(let a), .float(let b)): a.map(\.bitPattern) == b.map(\.bitPattern)
        case (.int(let a), .int(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        default: false
        }
    }

    public var count: Int {
        switch self {
        case .float(let values): values.count
        case .int(let values): values.count
        case .string(let values): values.count
        }
    }

    public var typeName: String {
        switch self {
        case .float: "float32"
        case .int: "int64"
        case .string: "string"
        }
    }

    /// The value at `row` as text (for CSV output and vocabularies).
    public func text(_ row: Int) -> String {
        switch self {
        case .float(let values): values[row].isNaN ? "" : Self.format(values[row])
        case .int(let values): String(values[row])
        case .string(let values): values[row]
        }
    }

    /// The value at `row` as a number; nil for text or a missing float.
    public func number(_ row: Int) -> Double? {
        switch self {
        case .float(let values): values[row].isNaN ? nil : Double(values[row])
        case .int(let values): Double(values[row])
        case .string(let values): Double(values[row])
        }
    }

    /// Only the listed rows, in that order.
    public func rows(_ indices: [Int]) -> Column {
        switch self {
        case .float(let values): .float(indices.map { values[$0] })
        case .int(let values): .int(indices.map { values[$0] })
        case .string(let values): .string(indices.map { values[$0] })
        }
    }

    static func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e7 ? String(Int(value)) : "\(value)"
    }
}

/// Named columns of equal length: the artifact passed between stages.
public struct Table: Sendable, Equatable {
    public private(set) var names: [String] = []
    public private(set) var columns: [Column] = []

    public init() {}

    public init(_ pairs: [(String, Column)]) {
        for (name, column) in pairs { self[name] = column }
    }

    public var rowCount: Int { columns.first?.count ?? 0 }

    public subscript(name: String) -> Column? {
        get { names.firstIndex(of: name).map { columns[$0] } }
        set {
            if let index = names.firstIndex(of: name) {
                if let newValue { columns[index] = newValue } else {
                    names.remove(at: index)
                    columns.remove(at: index)
                }
            } else if let newValue {
                precondition(columns.isEmpty || newValue.count == rowCount, "column '\(name)' has \(newValue.count) rows, the table \(rowCount)")
                names.append(name)
                columns.append(newValue)
            }
        }
    }

    public func floats(_ name: String) -> [Float]? {
        switch self[name] {
        case .float(let values)?: values
        case .int(let values)?: values.map { Float($0) }
        default: nil
        }
    }

    /// Only the listed rows, in that order.
    public func rows(_ indices: [Int]) -> Table {
        Table(zip(names, columns).map { ($0, $1.rows(indices)) })
    }
}
