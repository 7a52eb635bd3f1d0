"""archsim.workload package."""
