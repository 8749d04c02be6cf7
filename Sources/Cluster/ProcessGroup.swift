import Foundation
import MPIShim

/// The processes of one job: every rank of an `mpirun`, or this process alone.
///
/// `ProcessGroup.world` starts MPI only when Open MPI's launcher started this process (it sets
/// `OMPI_COMM_WORLD_SIZE`), so a plain `molgen` never touches MPI and needs no launcher. In a
/// group of one every collective is the identity and costs nothing. Collectives must be called by
/// every rank in the same order, from the thread that started the group (MPI_THREAD_FUNNELED).
/// A failed MPI call ends the job (Open MPI's default error handler): a dead peer cannot be waited out.
public struct ProcessGroup: Sendable {
    /// This process's rank (0 ..< size); rank 0 writes files and reports.
    public let rank: Int
    /// Processes in the job.
    public let size: Int
    /// Processes of the job on this machine (they share its cores).
    public let localSize: Int
    /// Whether MPI was started (false for a process on its own).
    public let usesMPI: Bool

    public var isRoot: Bool { rank == 0 }

    /// A process on its own: no MPI.
    public static let single = ProcessGroup(rank: 0, size: 1, localSize: 1, usesMPI: false)

    /// The job this process belongs to, started on first use.
    public static let world: ProcessGroup = {
        let environment = ProcessInfo.processInfo.environment
        guard let launched = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), launched >= 1 else { return .single }
        guard molgen_mpi_init() == 0 else {
            FileHandle.standardError.write("MPI_Init failed; run under mpirun from the same Open MPI as molgen was built with\n".data(using: .utf8)!)
            exit(1)
        }
        let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
        return ProcessGroup(rank: Int(molgen_mpi_rank()), size: Int(molgen_mpi_size()), localSize: max(1, local), usesMPI: true)
    }()

    init(rank: Int, size: Int, localSize: Int, usesMPI: Bool) {
        self.rank = rank; self.size = size; self.localSize = localSize; self.usesMPI = usesMPI
    }

    /// Threads each process should use so the ranks on one machine share its cores without
    /// oversubscribing them: the node's cores over its ranks, and no more than the cores mpirun
    /// bound this rank to (by default one core each for up to 2 ranks, a socket for more).
    public func threadsPerProcess(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let bound = Int(molgen_available_cores())
        return max(1, min(cores / localSize, bound > 0 ? bound : cores))
    }

    // MARK: Collectives

    /// Sums `values` over all ranks, in place.
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        guard size > 1, let base = values.baseAddress else { return }
        CommunicationLog.time(bytes: values.count * 4) { check(molgen_mpi_allreduce_sum_float(base, values.count), "MPI_Allreduce") }
    }

    public func sum(_ values: [Double]) -> [Double] {
        guard size > 1 else { return values }
        var result = values
        result.withUnsafeMutableBufferPointer { buffer in
            CommunicationLog.time(bytes: buffer.count * 8) { check(molgen_mpi_allreduce_sum_double(buffer.baseAddress!, buffer.count), "MPI_Allreduce") }
        }
        return result
    }

    /// Whether `flag` holds on any rank (every rank gets the same answer).
    public func any(_ flag: Bool) -> Bool {
        guard size > 1 else { return flag }
        return sum([flag ? 1 : 0])[0] > 0
    }

    /// Overwrites `buffer` on every rank with `root`'s.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int = 0) {
        guard size > 1, let base = buffer.baseAddress else { return }
        check(molgen_mpi_broadcast(base, buffer.count, Int32(root)), "MPI_Bcast")
    }

    /// `root`'s bytes on every rank (the length travels first).
    public func broadcast(_ bytes: [UInt8], from root: Int = 0) -> [UInt8] {
        guard size > 1 else { return bytes }
        var count = [UInt64(bytes.count)]
        count.withUnsafeMutableBytes { broadcast($0, from: root) }
        var result = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        result.withUnsafeMutableBytes { broadcast($0, from: root) }
        return result
    }

    public func barrier() {
        guard size > 1 else { return }
        check(molgen_mpi_barrier(), "MPI_Barrier")
    }

    /// Every rank's bytes, in rank order, at `root`; an empty array on the other ranks.
    public func gather(_ bytes: [UInt8], at root: Int = 0) -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        var counts = [Int](repeating: 0, count: rank == root ? size : 0)
        var gathered: UnsafeMutableRawPointer?
        bytes.withUnsafeBytes { mine in
            counts.withUnsafeMutableBufferPointer { c in
                c.withMemoryRebound(to: size_t.self) { sizes in
                    check(molgen_mpi_gather_bytes(mine.baseAddress, mine.count, Int32(root), &gathered, sizes.baseAddress), "MPI_Gatherv")
                }
            }
        }
        guard rank == root, let all = gathered else { return [] }
        defer { free(all) }
        var parts: [[UInt8]] = [], offset = 0
        for count in counts {
            parts.append(Array(UnsafeRawBufferPointer(start: all + offset, count: count)))
            offset += count
        }
        return parts
    }

    /// Ends MPI cleanly (every rank must call it); nothing for a process on its own.
    public func finish() {
        if usesMPI { _ = molgen_mpi_finalize() }
    }

    /// Ends every process of the job with `code`.
    public func abort(code: Int32) -> Never {
        if usesMPI { molgen_mpi_abort(code) }
        exit(code)
    }

    private func check(_ status: Int32, _ call: String) {
        guard status != 0 else { return }
        FileHandle.standardError.write("rank \(rank): \(call) failed (MPI error \(status)); ending the job\n".data(using: .utf8)!)
        abort(code: 1)
    }
}

/// Time and bytes spent in reductions since the last `reset()`: what `molgen bench train` reports
/// per step, and what the scaling estimates are made from.
public enum CommunicationLog {
    nonisolated(unsafe) public private(set) static var seconds = 0.0
    nonisolated(unsafe) public private(set) static var bytes = 0
    nonisolated(unsafe) public private(set) static var calls = 0

    public static func reset() { seconds = 0; bytes = 0; calls = 0 }

    static func time(bytes count: Int, _ body: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        bytes += count
        calls += 1
    }
}
