// Cursors: an ordered walk of one table as the session sees it. The cursor
// remembers only its current key and re-seeks for each move (like an ESE
// bookmark), so concurrent commits never invalidate it.
#include "instance/instance_impl.h"

namespace esekit::engine {

class CursorImpl {
 public:
  CursorImpl(SessionImpl& session, std::shared_ptr<TableImpl> table) : session(session), table(std::move(table)) {}
  SessionImpl& session;
  std::shared_ptr<TableImpl> table;
  bool positioned = false;
  KeyBytes key;
  std::vector<uint8_t> value;

  Status move(const KeyBytes* from, bool forward, bool inclusive, JetError notFound) {
    if (table->deleted) return Status(JetError::ObjectNotFound, "table " + table->info.name + " was deleted");
    auto found = session.neighbour(*table, from, forward, inclusive);
    if (!found.isOk()) return found.status();
    if (!*found) {
      positioned = false;
      key.clear();
      value.clear();
      return Status(notFound, notFound == JetError::NoCurrentRecord ? "no more rows in table " + table->info.name
                                                                    : "no such row in table " + table->info.name);
    }
    key = std::move((*found)->first);
    value = std::move((*found)->second);
    positioned = true;
    return Status();
  }
};

Cursor::Cursor(std::unique_ptr<CursorImpl> impl) : impl_(std::move(impl)) {}
Cursor::~Cursor() = default;
Cursor::Cursor(Cursor&&) noexcept = default;
Cursor& Cursor::operator=(Cursor&&) noexcept = default;

Status Cursor::first() { return impl_->move(nullptr, true, false, JetError::RecordNotFound); }
Status Cursor::last() { return impl_->move(nullptr, false, false, JetError::RecordNotFound); }

Status Cursor::seek(Bytes key, SeekMode mode) {
  KeyBytes probe(key.begin(), key.end());
  switch (mode) {
    case SeekMode::Equal: {
      Status status = impl_->move(&probe, true, true, JetError::RecordNotFound);
      if (status.isOk() && compareKeys(impl_->key, probe) != 0) {
        impl_->positioned = false;
        return Status(JetError::RecordNotFound, "no row with this key in table " + impl_->table->info.name);
      }
      return status;
    }
    case SeekMode::GreaterOrEqual: return impl_->move(&probe, true, true, JetError::RecordNotFound);
    case SeekMode::Greater: return impl_->move(&probe, true, false, JetError::RecordNotFound);
    case SeekMode::LessOrEqual: return impl_->move(&probe, false, true, JetError::RecordNotFound);
    case SeekMode::Less: return impl_->move(&probe, false, false, JetError::RecordNotFound);
  }
  return Status(JetError::InvalidParameter, "unknown seek mode");
}

Status Cursor::next() {
  if (!impl_->positioned) return Status(JetError::NoCurrentRecord, "cursor is not on a row");
  KeyBytes from = impl_->key;
  return impl_->move(&from, true, false, JetError::NoCurrentRecord);
}

Status Cursor::previous() {
  if (!impl_->positioned) return Status(JetError::NoCurrentRecord, "cursor is not on a row");
  KeyBytes from = impl_->key;
  return impl_->move(&from, false, false, JetError::NoCurrentRecord);
}

bool Cursor::positioned() const { return impl_->positioned; }
Bytes Cursor::key() const { return impl_->positioned ? Bytes(impl_->key) : Bytes(); }
Bytes Cursor::value() const { return impl_->positioned ? Bytes(impl_->value) : Bytes(); }

Result<Cursor> Session::openCursor(const Table& table) {
  if (!table.valid()) return Status(JetError::InvalidParameter, "no table (default-constructed Table handle)");
  return Cursor(std::make_unique<CursorImpl>(*impl_, table.impl()));
}

}  // namespace esekit::engine
