"""Major-project scheduling (重大项目调度): milestones planned against actual, monthly progress reports,
coordination problems, and the scheduling board."""
