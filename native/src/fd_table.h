// The fds this addon opened and has not closed yet. Closing goes through the table, so a
// second close of the same number (which might by then be someone else's fd) is refused.
#pragma once

#include <set>
#include <vector>

namespace platpass {

class FdTable {
 public:
  void Adopt(int fd);
  bool Owns(int fd) const;
  // Forgets fd and closes it; false when fd is not ours.
  bool Close(int fd);
  std::vector<int> List() const;
  ~FdTable();

 private:
  std::set<int> fds_;
};

}  // namespace platpass
