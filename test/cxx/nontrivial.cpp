// SPDX-License-Identifier: MIT
// Must not compile: ring<T> refuses a T that is not trivially copyable
// (the ctest cxx_rejects_nontrivial expects the static_assert's message).
#include <shmring/shmring.hpp>

#include <string>

int main()
{
	shmring::ring<std::string> q;
	return q.is_open() ? 1 : 0;
}
