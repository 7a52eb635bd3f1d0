"""archsim.report package."""
