#include "fd_table.h"

#include <unistd.h>

namespace platpass {

void FdTable::Adopt(int fd) { fds_.insert(fd); }

bool FdTable::Owns(int fd) const { return fds_.count(fd) != 0; }

bool FdTable::Close(int fd) {
  if (fds_.erase(fd) == 0) return false;
  // Linux releases the fd even when close() reports EINTR; retrying could close a reused
  // number, so the result is deliberately not retried.
  ::close(fd);
  return true;
}

std::vector<int> FdTable::List() const { return {fds_.begin(), fds_.end()}; }

FdTable::~FdTable() {
  for (int fd : fds_) ::close(fd);
}

}  // namespace platpass
