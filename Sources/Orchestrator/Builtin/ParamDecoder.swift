import Foundation

/// Decodes a built-in stage's params struct straight from the typed values
/// the validator produced: no JSON text or string conversion on the way.
/// A struct names its params with snake_case `CodingKeys`, as manifests do.
/// It also records which params were read, so a test can check that a stage
/// reads every param its manifest declares.
public struct ParamDecoder {
    /// Param names (top-level keys) the last decode asked for.
    public private(set) var requestedKeys: Set<String> = []

    public init() {}

    public mutating func decode<T: Decodable>(_ type: T.Type, from params: [String: ParamValue]) throws -> T {
        let recorder = KeyRecorder()
        let value = ParamValue.map(params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { requestedKeys = recorder.keys }
        do {
            return try T(from: ValueDecoder(value: value, codingPath: [], recorder: recorder))
        } catch let error as DecodingError {
            throw ParamDecodingError(error)
        }
    }
}

/// A decoding failure named by the param's path: `tower_units[0]: expected int, found string "eight"`.
public struct ParamDecodingError: Error, CustomStringConvertible {
    public var description: String

    init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.enumerated().map { index, key in
                if let position = key.intValue { return "[\(position)]" }
                return index == 0 ? key.stringValue : "." + key.stringValue
            }.joined()
        }
        switch error {
        case .typeMismatch(_, let context), .dataCorrupted(let context), .valueNotFound(_, let context):
            description = "param '\(path(context.codingPath))': \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            description = "param '\(path(context.codingPath + [key]))' is missing"
        @unknown default:
            description = "\(error)"
        }
    }
}

private final class KeyRecorder: @unchecked Sendable {
    var keys: Set<String> = []
}

private struct IndexKey: CodingKey {
    var stringValue: String { "\(intValue!)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct ValueDecoder: Decoder {
    let value: ParamValue
    let codingPath: [any CodingKey]
    let recorder: KeyRecorder
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value.typeName) \(value.canonicalJSON)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let pairs) = value else { throw mismatch("a map") }
        return KeyedDecodingContainer(Keyed<Key>(pairs: pairs, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let items) = value else { throw mismatch("a list") }
        return Unkeyed(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    /// A param declared as a bare list or map may be read as `ParamValue` itself.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let value = value as? T { return value }
        return try T(from: self)
    }

    func child(_ value: ParamValue, key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, codingPath: codingPath + [key], recorder: recorder)
    }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let pairs: [(key: String, value: ParamValue)]
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    func find(_ key: Key) -> ParamValue? {
        if codingPath.isEmpty { decoder.recorder.keys.insert(key.stringValue) }
        return pairs.last { $0.key == key.stringValue }?.value
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = find(key) else { return true }
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try decoder.child(value, key: key).decode(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(find(key) ?? .null, key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(find(key) ?? .null, key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(find(key) ?? .null, key: key) }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let items: [ParamValue]
    let decoder: ValueDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "the list has only \(items.count) elements"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: IndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = items[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct Single: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let value) = decoder.value else { throw decoder.mismatch("bool") }
        return value
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let value) = decoder.value else { throw decoder.mismatch("string") }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let value = decoder.value.number else { throw decoder.mismatch("a number") }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int.Type) throws -> Int {
        guard case .int(let value) = decoder.value else { throw decoder.mismatch("int") }
        return value
    }

    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private func integer<T: BinaryInteger>() throws -> T {
        let value = try decode(Int.self)
        guard let exact = T(exactly: value) else { throw decoder.mismatch("a whole number that fits \(T.self)") }
        return exact
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(T.self) }
}
