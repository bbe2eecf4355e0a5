import Foundation
import Testing
import NN

@Suite("Data")
struct DataTests {
    let data = Dataset(inputs: Tensor(shape: [10, 2], scalars: (0..<20).map(Float.init)), labels: Array(0..<10))

    @Test("mini-batches: every sample once per pass, last partial batch kept or dropped")
    func batches() {
        let keep = DataLoader(data, batchSize: 4, shuffle: true, generator: SeededGenerator(seed: 1))
        let order = keep.nextOrder()
        #expect(order.map(\.count) == [4, 4, 2])
        #expect(order.flatMap { $0 }.sorted() == Array(0..<10))
        let drop = DataLoader(data, batchSize: 4, shuffle: false, dropLast: true)
        #expect(drop.nextOrder() == [[0, 1, 2, 3], [4, 5, 6, 7]])
        let batches = Array(DataLoader(data, batchSize: 3, shuffle: false))
        #expect(batches.map(\.count) == [3, 3, 3, 1])
        #expect(batches[1].labels == [3, 4, 5] && batches[1].inputs == Tensor([[6, 7], [8, 9], [10, 11]]))
    }

    @Test("shuffling is seeded: the same seed gives the same orders, passes differ from each other")
    func seededShuffle() {
        let a = DataLoader(data, batchSize: 10, generator: SeededGenerator(seed: 5))
        let b = DataLoader(data, batchSize: 10, generator: SeededGenerator(seed: 5))
        let first = a.nextOrder(), second = a.nextOrder()
        #expect(first == b.nextOrder() && second == b.nextOrder())
        #expect(first != second)
    }

    @Test("a seeded split keeps every sample exactly once")
    func split() {
        var rng = SeededGenerator(seed: 2)
        let (train, test) = data.split(trainCount: 7, using: &rng)
        #expect(train.count == 7 && test.count == 3)
        #expect((train.labels! + test.labels!).sorted() == Array(0..<10))
        #expect(train.inputs[0] == data.inputs[train.labels![0]])
    }

    @Test("standardization, min–max scaling and one-hot")
    func scaling() {
        let x = Tensor<Float>([[1, 10], [3, 10], [5, 10]])
        let s = Standardizer(fitting: x)(x)
        #expect(close(s.mean(alongAxes: 0).scalars, [0, 0]))
        #expect(close(s[0..<3, 0..<1].scalars, [-1.2247449, 0, 1.2247449]))
        let m = MinMaxScaler(fitting: x)(x)
        #expect(m == Tensor([[0, 0], [0.5, 0], [1, 0]]))
        #expect(oneHot([2, 0], classes: 3) == Tensor([[0, 0, 1], [1, 0, 0]]))
    }

    @Test("a CSV with a header becomes a data set")
    func csv() throws {
        let table = try NumericTable(csv: "a,b,label\n1,2,0\n3,4,1\n\n5,6,1\n")
        #expect(table.columns == ["a", "b", "label"] && table.rows.count == 3)
        let set = try table.dataset(labelColumn: "label")
        #expect(set.inputs == Tensor([[1, 2], [3, 4], [5, 6]]) && set.labels == [0, 1, 1])
    }

    @Test("bad CSV files throw typed errors that name the line", arguments: [
        ("a,b\n1,2\n3\n", CSVError.raggedRow(line: 3, expected: 2, found: 1)),
        ("a,b\n1,2\n3,x\n", CSVError.notANumber(line: 3, column: 2, text: "x")),
        ("a,b\n1,2,9\n", CSVError.raggedRow(line: 2, expected: 2, found: 3)),
        ("a,b\n", CSVError.empty),
        ("a,b\n1,nan\n", CSVError.notANumber(line: 2, column: 2, text: "nan")),
    ])
    func badCSV(_ text: String, _ expected: CSVError) {
        #expect(throws: expected) { try NumericTable(csv: text) }
    }

    @Test("a missing label column and an unreadable file are errors too")
    func missing() throws {
        let table = try NumericTable(csv: "a,b\n1,2\n")
        #expect(throws: CSVError.missingColumn(name: "label", available: ["a", "b"])) { try table.dataset(labelColumn: "label") }
        #expect(throws: CSVError.self) { try NumericTable(contentsOf: URL(fileURLWithPath: "/nonexistent/file.csv")) }
        let error = CSVError.raggedRow(line: 3, expected: 2, found: 1)
        #expect(error.description == "line 3: 1 fields, but the file has 2 columns")
    }
}
